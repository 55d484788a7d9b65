// Package urlfilter decides which remote URLs glimpse may fetch (web-download imports and
// external image locations), as Glance's [import_filtering_opts] with the SSRF rules of
// current Glance releases, and provides the HTTP client that enforces the decision on every
// connection and redirect.
package urlfilter

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Filter decides which URLs glimpse may fetch, like Glance's
// [import_filtering_opts] (allowed/disallowed schemes, hosts and ports) with the SSRF
// rule of current Glance releases: loopback, link-local and unspecified addresses are
// refused unless their host is listed in AllowedHosts.
//
// Unlike Glance's allowed_hosts, AllowedHosts is not an exclusive allow-list: it only
// exempts the hosts it names from the loopback/link-local refusal, so that allowing
// 127.0.0.1 for a local mirror does not forbid every other host. Hosts compare
// case-insensitively, as written in the URL (a name or an IP literal).
type Filter struct {
	AllowedSchemes    []string // empty: any scheme not disallowed (Glance default: http, https)
	DisallowedSchemes []string
	AllowedHosts      []string
	DisallowedHosts   []string
	AllowedPorts      []int // empty: any port not disallowed (Glance default: 80, 443)
	DisallowedPorts   []int
}

// Default is Glance's default filter: http and https on ports 80 and 443.
func Default() *Filter {
	return &Filter{AllowedSchemes: []string{"http", "https"}, AllowedPorts: []int{80, 443}}
}

// ErrFiltered is returned for a URL that does not pass the filter.
var ErrFiltered = errors.New("urlfilter: URL does not pass the filter")

// Check reports whether rawURL passes the filter as far as it can be told without
// resolving its host: scheme, port, listed hosts, and IP literals (or "localhost") that
// are loopback or link-local. A host name that does not resolve passes; fetching it fails
// later, as with upstream Glance.
func (f *Filter) Check(rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return ErrFiltered
	}
	return f.checkURL(u)
}

func (f *Filter) checkURL(u *url.URL) error {
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Hostname())
	if host == "" {
		return ErrFiltered
	}
	if len(f.AllowedSchemes) > 0 && !slices.Contains(f.AllowedSchemes, scheme) || slices.Contains(f.DisallowedSchemes, scheme) {
		return ErrFiltered
	}
	port, err := portOf(u)
	if err != nil {
		return ErrFiltered
	}
	if len(f.AllowedPorts) > 0 && !slices.Contains(f.AllowedPorts, port) || slices.Contains(f.DisallowedPorts, port) {
		return ErrFiltered
	}
	if f.hostListed(f.DisallowedHosts, host) {
		return ErrFiltered
	}
	if f.hostListed(f.AllowedHosts, host) {
		return nil
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return ErrFiltered
	}
	if ip := net.ParseIP(host); ip != nil && privateIP(ip) {
		return ErrFiltered
	}
	return nil
}

func (f *Filter) hostListed(list []string, host string) bool {
	return slices.ContainsFunc(list, func(h string) bool { return strings.EqualFold(strings.Trim(h, "[]"), host) })
}

// portOf is the URL's port, or its scheme's default.
func portOf(u *url.URL) (int, error) {
	if p := u.Port(); p != "" {
		return strconv.Atoi(p)
	}
	switch strings.ToLower(u.Scheme) {
	case "http":
		return 80, nil
	case "https":
		return 443, nil
	case "ftp":
		return 21, nil
	}
	return 0, fmt.Errorf("no port")
}

// privateIP reports the addresses web-download refuses by default: loopback
// (127.0.0.0/8, ::1), link-local (169.254.0.0/16 with the cloud metadata address,
// fe80::/10) and unspecified (0.0.0.0, ::).
func privateIP(ip net.IP) bool {
	return ip.IsLoopback() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip.IsUnspecified()
}

// maxRedirects bounds the redirects web-download follows.
const maxRedirects = 10

// Client returns the HTTP client for fetching through the filter: it resolves host names itself and
// connects only to addresses the filter allows (so a name that resolves to 127.0.0.1 is
// refused unless allowed), re-checks every redirect's URL against the filter, and uses
// no proxy from the environment.
func (f *Filter) Client() *http.Client {
	dialer := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	transport := &http.Transport{
		Proxy: nil,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			host, port, err := net.SplitHostPort(addr)
			if err != nil {
				return nil, err
			}
			ips, err := net.DefaultResolver.LookupIPAddr(ctx, host)
			if err != nil {
				return nil, err
			}
			exempt := f.hostListed(f.AllowedHosts, strings.ToLower(host))
			var lastErr error = fmt.Errorf("urlfilter: %s resolves to no allowed address", host)
			for _, ip := range ips {
				if !exempt && privateIP(ip.IP) && !f.hostListed(f.AllowedHosts, ip.IP.String()) {
					continue
				}
				c, err := dialer.DialContext(ctx, network, net.JoinHostPort(ip.IP.String(), port))
				if err == nil {
					return c, nil
				}
				lastErr = err
			}
			return nil, lastErr
		},
		TLSHandshakeTimeout:   30 * time.Second,
		ResponseHeaderTimeout: 60 * time.Second,
		MaxIdleConns:          4,
		IdleConnTimeout:       30 * time.Second,
	}
	return &http.Client{
		Transport: transport,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= maxRedirects {
				return fmt.Errorf("urlfilter: more than %d redirects", maxRedirects)
			}
			if err := f.checkURL(req.URL); err != nil {
				return fmt.Errorf("redirect to %s: %w", req.URL.Redacted(), err)
			}
			return nil
		},
	}
}
