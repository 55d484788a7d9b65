package policy

import (
	"fmt"
	"regexp"
	"strings"
)

// token is one lexical token of a check string: "(", ")", "and", "or", "not" or a check.
type token struct {
	kind string // "(", ")", "and", "or", "not", "check"
	text string
}

var whitespaceRE = regexp.MustCompile(`\s+`)

// tokenize splits a check string as oslo.policy's _parse_tokenize: on whitespace, with
// parentheses peeled off each word's ends.
func tokenize(rule string) []token {
	var toks []token
	for _, word := range whitespaceRE.Split(rule, -1) {
		if word == "" {
			continue
		}
		clean := strings.TrimLeft(word, "(")
		for range len(word) - len(clean) {
			toks = append(toks, token{"(", "("})
		}
		if clean == "" {
			continue
		}
		body := strings.TrimRight(clean, ")")
		trail := len(clean) - len(body)
		if body != "" {
			switch lower := strings.ToLower(body); lower {
			case "and", "or", "not":
				toks = append(toks, token{lower, body})
			default:
				toks = append(toks, token{"check", body})
			}
		}
		for range trail {
			toks = append(toks, token{")", ")"})
		}
	}
	return toks
}

// parseRule parses a check string. The empty string is always true. Errors name the
// position of the first token that does not fit.
func parseRule(rule string) (check, error) {
	toks := tokenize(rule)
	if len(toks) == 0 {
		return trueCheck{}, nil
	}
	p := &parser{toks: toks}
	c, err := p.or()
	if err != nil {
		return nil, fmt.Errorf("policy rule %q: %w", rule, err)
	}
	if p.pos < len(p.toks) {
		return nil, fmt.Errorf("policy rule %q: unexpected %q", rule, p.toks[p.pos].text)
	}
	return c, nil
}

type parser struct {
	toks []token
	pos  int
}

func (p *parser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos].kind
	}
	return ""
}

func (p *parser) or() (check, error) {
	c, err := p.and()
	if err != nil {
		return nil, err
	}
	cs := []check{c}
	for p.peek() == "or" {
		p.pos++
		c, err := p.and()
		if err != nil {
			return nil, err
		}
		cs = append(cs, c)
	}
	if len(cs) == 1 {
		return cs[0], nil
	}
	return orCheck{cs}, nil
}

func (p *parser) and() (check, error) {
	c, err := p.not()
	if err != nil {
		return nil, err
	}
	cs := []check{c}
	for p.peek() == "and" {
		p.pos++
		c, err := p.not()
		if err != nil {
			return nil, err
		}
		cs = append(cs, c)
	}
	if len(cs) == 1 {
		return cs[0], nil
	}
	return andCheck{cs}, nil
}

func (p *parser) not() (check, error) {
	if p.peek() == "not" {
		p.pos++
		c, err := p.not()
		if err != nil {
			return nil, err
		}
		return notCheck{c}, nil
	}
	return p.atom()
}

func (p *parser) atom() (check, error) {
	switch p.peek() {
	case "(":
		p.pos++
		c, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.peek() != ")" {
			return nil, fmt.Errorf("missing )")
		}
		p.pos++
		return c, nil
	case "check":
		t := p.toks[p.pos]
		p.pos++
		return parseCheck(t.text)
	case "":
		return nil, fmt.Errorf("unexpected end")
	}
	return nil, fmt.Errorf("unexpected %q", p.toks[p.pos].text)
}

// parseCheck parses one kind:match check, or @ / !.
func parseCheck(s string) (check, error) {
	switch s {
	case "@":
		return trueCheck{}, nil
	case "!":
		return falseCheck{}, nil
	}
	kind, match, ok := strings.Cut(s, ":")
	if !ok || kind == "" {
		return nil, fmt.Errorf("check %q is not kind:match", s)
	}
	switch kind {
	case "rule":
		return ruleCheck{match}, nil
	case "role":
		return roleCheck{match}, nil
	case "http", "https":
		return nil, fmt.Errorf("check %q: remote checks are not supported", s)
	}
	return genericCheck{kind, match}, nil
}
