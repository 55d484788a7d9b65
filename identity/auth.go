package identity

import (
	"context"
	"slices"

	"github.com/glimpse-image/glimpse"
)

// msgAuthRequired is Keystone's message for every authentication failure: it never says
// whether the user, the password or the scope was wrong.
const msgAuthRequired = "The request you have made requires authentication."

func unauthorized() error { return glimpse.Errorf(glimpse.EUNAUTHORIZED, msgAuthRequired) }

// IssueToken authenticates req and returns a new token and its principal
// (POST /v3/auth/tokens, "Password authentication with scoped authorization" and "Token
// authentication" in the Identity API v3 reference).
//
// Methods: "password" (user by id, or by name within a domain given by id or name) or
// "token" (rescoping: the new token keeps the parent's expiry, methods plus "token", and the
// audit chain [new, parent's first audit id]; without a scope it keeps the parent's scope).
// Scope: project (id, or name + domain id/name), domain (id or name), system, or unscoped;
// with no scope, a password token is scoped to the user's default project when the user
// holds a role there, and is unscoped otherwise. The user must hold at least one role on the
// scope; the token carries the effective roles (direct assignments plus implied roles).
//
// Errors: EUNAUTHORIZED "The request you have made requires authentication." for an
// unknown or disabled user, a wrong password, an unknown or disabled scope or domain, or no
// role on the scope; EINVALID for no or unknown methods; a rejected parent token returns
// ValidateToken's ENOTFOUND, as Keystone answers 404.
func (s *Service) IssueToken(ctx context.Context, req glimpse.AuthRequest) (string, *glimpse.Principal, error) {
	var (
		p   *glimpse.Principal
		err error
	)
	switch {
	case slices.Contains(req.Methods, "password"):
		p, err = s.authenticatePassword(ctx, req)
	case slices.Contains(req.Methods, "token"):
		p, err = s.authenticateToken(ctx, req)
	case len(req.Methods) == 0:
		return "", nil, glimpse.Errorf(glimpse.EINVALID, "Expecting to find methods in identity. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.")
	default:
		return "", nil, glimpse.Errorf(glimpse.EINVALID, "Expecting to find %s in identity. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.", req.Methods[0])
	}
	if err != nil {
		return "", nil, err
	}
	token, err := s.codec.seal(p)
	if err != nil {
		return "", nil, err
	}
	return token, p, nil
}

// authenticatePassword checks the user's password and scopes the new principal.
func (s *Service) authenticatePassword(ctx context.Context, req glimpse.AuthRequest) (*glimpse.Principal, error) {
	u, err := s.findUser(ctx, req)
	if err != nil {
		checkPassword("", req.Password) // same time as a wrong password
		return nil, err
	}
	if !checkPassword(u.PasswordHash, req.Password) || !u.Enabled {
		return nil, unauthorized()
	}
	p, err := s.newPrincipal(ctx, u)
	if err != nil {
		return nil, err
	}
	p.Methods = []string{"password"}
	now := s.now().UTC()
	p.IssuedAt, p.ExpiresAt = now, now.Add(s.ttl)
	p.AuditIDs = []string{newAuditID()}
	if !hasScope(req) && !req.Unscoped && u.DefaultProjectID != "" {
		// Keystone scopes to the default project when it can, and silently falls back to an
		// unscoped token when it cannot.
		if err := s.scopeToProject(ctx, p, u.ID, &glimpse.AuthRequest{ProjectID: u.DefaultProjectID}); err == nil {
			return p, nil
		} else if glimpse.ErrorCode(err) != glimpse.EUNAUTHORIZED {
			return nil, err
		}
		return p, nil
	}
	if err := s.scope(ctx, p, u.ID, &req); err != nil {
		return nil, err
	}
	return p, nil
}

// authenticateToken rescopes a valid token.
func (s *Service) authenticateToken(ctx context.Context, req glimpse.AuthRequest) (*glimpse.Principal, error) {
	parent, err := s.ValidateToken(ctx, req.Token)
	if err != nil {
		return nil, err
	}
	u, err := s.store.FindUserByID(ctx, parent.UserID)
	if err != nil {
		if glimpse.ErrorCode(err) == glimpse.ENOTFOUND {
			return nil, unauthorized()
		}
		return nil, err
	}
	if !u.Enabled {
		return nil, unauthorized()
	}
	p, err := s.newPrincipal(ctx, u)
	if err != nil {
		return nil, err
	}
	p.Methods = slices.Clone(parent.Methods)
	if !slices.Contains(p.Methods, "token") {
		p.Methods = append(p.Methods, "token")
	}
	p.IssuedAt, p.ExpiresAt = s.now().UTC(), parent.ExpiresAt
	p.AuditIDs = []string{newAuditID(), parent.AuditIDs[len(parent.AuditIDs)-1]}
	scope := req
	if !hasScope(req) && !req.Unscoped {
		scope = glimpse.AuthRequest{ProjectID: parent.ProjectID, DomainID: parent.DomainID, System: parent.System}
	}
	if err := s.scope(ctx, p, u.ID, &scope); err != nil {
		return nil, err
	}
	return p, nil
}

// findUser finds the user named by req: by id, or by name within a domain given by id or
// name. Anything missing is EUNAUTHORIZED; a disabled user domain too.
func (s *Service) findUser(ctx context.Context, req glimpse.AuthRequest) (*glimpse.User, error) {
	var (
		u   *glimpse.User
		err error
	)
	if req.UserID != "" {
		u, err = s.store.FindUserByID(ctx, req.UserID)
	} else if req.UserName != "" {
		var d *glimpse.Domain
		d, err = s.findDomain(ctx, req.UserDomainID, req.UserDomainName)
		if err != nil {
			return nil, err
		}
		u, err = s.store.FindUserByName(ctx, d.ID, req.UserName)
	} else {
		return nil, unauthorized()
	}
	if err != nil {
		return nil, authError(err)
	}
	d, err := s.store.FindDomainByID(ctx, u.DomainID)
	if err != nil {
		return nil, authError(err)
	}
	if !d.Enabled {
		return nil, unauthorized()
	}
	return u, nil
}

// findDomain finds an enabled domain by id or, when id is empty, by name.
func (s *Service) findDomain(ctx context.Context, id, name string) (*glimpse.Domain, error) {
	var (
		d   *glimpse.Domain
		err error
	)
	switch {
	case id != "":
		d, err = s.store.FindDomainByID(ctx, id)
	case name != "":
		d, err = s.store.FindDomainByName(ctx, name)
	default:
		return nil, unauthorized()
	}
	if err != nil {
		return nil, authError(err)
	}
	if !d.Enabled {
		return nil, unauthorized()
	}
	return d, nil
}

// authError turns ENOTFOUND into EUNAUTHORIZED and passes other errors through.
func authError(err error) error {
	if glimpse.ErrorCode(err) == glimpse.ENOTFOUND {
		return unauthorized()
	}
	return err
}

// newPrincipal returns an unscoped principal for u, with its domain's name.
func (s *Service) newPrincipal(ctx context.Context, u *glimpse.User) (*glimpse.Principal, error) {
	d, err := s.store.FindDomainByID(ctx, u.DomainID)
	if err != nil {
		return nil, authError(err)
	}
	return &glimpse.Principal{UserID: u.ID, UserName: u.Name, UserDomainID: d.ID, UserDomainName: d.Name}, nil
}

func hasScope(req glimpse.AuthRequest) bool {
	return req.ProjectID != "" || req.ProjectName != "" || req.DomainID != "" || req.DomainName != "" || req.System
}

// scope sets p's scope and effective roles from req, or leaves p unscoped.
func (s *Service) scope(ctx context.Context, p *glimpse.Principal, userID string, req *glimpse.AuthRequest) error {
	switch {
	case req.ProjectID != "" || req.ProjectName != "":
		return s.scopeToProject(ctx, p, userID, req)
	case req.DomainID != "" || req.DomainName != "":
		d, err := s.findDomain(ctx, req.DomainID, req.DomainName)
		if err != nil {
			return err
		}
		roles, err := s.EffectiveRoles(ctx, glimpse.AssignmentFilter{UserID: userID, DomainID: d.ID})
		if err != nil {
			return err
		}
		if len(roles) == 0 {
			return unauthorized()
		}
		p.DomainID, p.DomainName, p.Roles = d.ID, d.Name, roles
	case req.System:
		system := true
		roles, err := s.EffectiveRoles(ctx, glimpse.AssignmentFilter{UserID: userID, System: &system})
		if err != nil {
			return err
		}
		if len(roles) == 0 {
			return unauthorized()
		}
		p.System, p.Roles = true, roles
	}
	return nil
}

// scopeToProject scopes p to the enabled project named by req (id, or name + domain) in an
// enabled domain, on which the user must hold a role.
func (s *Service) scopeToProject(ctx context.Context, p *glimpse.Principal, userID string, req *glimpse.AuthRequest) error {
	var (
		proj *glimpse.Project
		err  error
	)
	if req.ProjectID != "" {
		proj, err = s.store.FindProjectByID(ctx, req.ProjectID)
	} else {
		var d *glimpse.Domain
		if d, err = s.findDomain(ctx, req.ProjectDomainID, req.ProjectDomainName); err != nil {
			return err
		}
		proj, err = s.store.FindProjectByName(ctx, d.ID, req.ProjectName)
	}
	if err != nil {
		return authError(err)
	}
	if !proj.Enabled {
		return unauthorized()
	}
	d, err := s.store.FindDomainByID(ctx, proj.DomainID)
	if err != nil {
		return authError(err)
	}
	if !d.Enabled {
		return unauthorized()
	}
	roles, err := s.EffectiveRoles(ctx, glimpse.AssignmentFilter{UserID: userID, ProjectID: proj.ID})
	if err != nil {
		return err
	}
	if len(roles) == 0 {
		return unauthorized()
	}
	p.ProjectID, p.ProjectName, p.ProjectDomainID, p.ProjectDomainName = proj.ID, proj.Name, d.ID, d.Name
	p.Roles = roles
	return nil
}
