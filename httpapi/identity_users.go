package httpapi

import (
	"net/http"
	"strings"

	"github.com/glimpse-image/glimpse"
	"github.com/google/uuid"
)

// newIdentityID returns a Keystone-style id: a random UUID as 32 hex digits.
func newIdentityID() string { return strings.ReplaceAll(uuid.NewString(), "-", "") }

// passwordHasher is what identity.Service offers to hash and check passwords (bcrypt);
// found by type assertion on s.Tokens.
type passwordHasher interface {
	HashPassword(pw string) (string, error)
	CheckPassword(hash, pw string) bool
}

func (s *Server) hasher() (passwordHasher, error) {
	h, ok := s.Tokens.(passwordHasher)
	if !ok {
		return nil, glimpse.Errorf(glimpse.EUNAVAILABLE, "Passwords cannot be set on this identity service.")
	}
	return h, nil
}

// userView is a user as Keystone shows it ("Users" in the Identity API v3 reference).
type userView struct {
	ID                string         `json:"id"`
	Name              string         `json:"name"`
	DomainID          string         `json:"domain_id"`
	Enabled           bool           `json:"enabled"`
	DefaultProjectID  string         `json:"default_project_id,omitempty"`
	PasswordExpiresAt *string        `json:"password_expires_at"`
	Options           map[string]any `json:"options"`
	Links             resourceLinks  `json:"links"`
	Extra             map[string]any `json:"-"` // shown first (identity_extra.go)
}

func (v userView) MarshalJSON() ([]byte, error) {
	type plain userView
	return withExtra(plain(v), v.Extra, userCoreKeys)
}

func (s *Server) userViewOf(r *http.Request, u *glimpse.User) userView {
	return userView{ID: u.ID, Name: u.Name, DomainID: u.DomainID, Enabled: u.Enabled,
		DefaultProjectID: u.DefaultProjectID, Options: map[string]any{}, Links: s.linksOf(r, "users", u.ID),
		Extra: u.Extra}
}

type userBody struct {
	User *struct {
		Name             *string `json:"name"`
		DomainID         *string `json:"domain_id"`
		DefaultProjectID *string `json:"default_project_id"`
		Enabled          *bool   `json:"enabled"`
		Password         *string `json:"password"`
		OriginalPassword *string `json:"original_password"`
	} `json:"user"`
}

// handleUserList answers GET /v3/users (?name, ?domain_id, ?enabled); admin only.
func (s *Server) handleUserList(w http.ResponseWriter, r *http.Request) error {
	if err := requireAdmin(r, "identity:list_users"); err != nil {
		return err
	}
	q := r.URL.Query()
	all, err := s.Identity.FindUsers(r.Context(), q.Get("domain_id"))
	if err != nil {
		return err
	}
	views := []userView{}
	for _, u := range all {
		if q.Has("name") && u.Name != q.Get("name") || !matchEnabled(q.Get("enabled"), u.Enabled) {
			continue
		}
		views = append(views, s.userViewOf(r, u))
	}
	return writeKeystoneJSON(w, http.StatusOK, struct {
		Users []userView      `json:"users"`
		Links collectionLinks `json:"links"`
	}{views, s.collectionLinksOf(r)})
}

// handleUserCreate answers POST /v3/users: 201 {"user": {...}}; the password is stored as
// a bcrypt hash.
func (s *Server) handleUserCreate(w http.ResponseWriter, r *http.Request) error {
	if err := requireAdmin(r, "identity:create_user"); err != nil {
		return err
	}
	raw, err := readIdentityBody(r)
	if err != nil {
		return err
	}
	var body userBody
	if err := decodeIdentityJSON(raw, &body); err != nil {
		return err
	}
	if body.User == nil {
		return errRequired("user")
	}
	b := body.User
	if b.Name == nil || *b.Name == "" {
		return errRequired("name")
	}
	if err := checkIdentityName(*b.Name, maxUserName); err != nil {
		return err
	}
	u := &glimpse.User{ID: newIdentityID(), Name: *b.Name, DomainID: s.defaultDomain(r), Enabled: true,
		Extra: identityExtra(raw, "user", userCoreKeys)}
	if b.DomainID != nil && *b.DomainID != "" {
		u.DomainID = *b.DomainID
	}
	if b.DefaultProjectID != nil {
		u.DefaultProjectID = *b.DefaultProjectID
	}
	if b.Enabled != nil {
		u.Enabled = *b.Enabled
	}
	if _, err := s.Identity.FindDomainByID(r.Context(), u.DomainID); err != nil {
		return notFound(err, "domain", u.DomainID)
	}
	if b.Password != nil && *b.Password != "" {
		h, err := s.hasher()
		if err != nil {
			return err
		}
		if u.PasswordHash, err = h.HashPassword(*b.Password); err != nil {
			return err
		}
	}
	if err := s.Identity.CreateUser(r.Context(), u); err != nil {
		if glimpse.ErrorCode(err) == glimpse.ECONFLICT {
			return glimpse.Errorf(glimpse.ECONFLICT, "Conflict occurred attempting to store user - Duplicate entry found with name %s at domain ID %s.", u.Name, u.DomainID)
		}
		return err
	}
	return writeKeystoneJSON(w, http.StatusCreated, map[string]userView{"user": s.userViewOf(r, u)})
}

// handleUserGet answers GET /v3/users/{user_id}: admin, or the user itself.
func (s *Server) handleUserGet(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("user_id")
	if p := principal(r); !p.IsAdmin() && p.UserID != id {
		return forbidden("identity:get_user")
	}
	u, err := s.Identity.FindUserByID(r.Context(), id)
	if err != nil {
		return notFound(err, "user", id)
	}
	return writeKeystoneJSON(w, http.StatusOK, map[string]userView{"user": s.userViewOf(r, u)})
}

// handleUserUpdate answers PATCH /v3/users/{user_id}: name, default_project_id, enabled,
// password. A new password or disabling the user revokes the user's tokens.
func (s *Server) handleUserUpdate(w http.ResponseWriter, r *http.Request) error {
	if err := requireAdmin(r, "identity:update_user"); err != nil {
		return err
	}
	id := r.PathValue("user_id")
	raw, err := readIdentityBody(r)
	if err != nil {
		return err
	}
	var body userBody
	if err := decodeIdentityJSON(raw, &body); err != nil {
		return err
	}
	if body.User == nil {
		return errRequired("user")
	}
	u, err := s.Identity.FindUserByID(r.Context(), id)
	if err != nil {
		return notFound(err, "user", id)
	}
	b := body.User
	revoke := false
	if b.DomainID != nil && *b.DomainID != u.DomainID {
		return glimpse.Errorf(glimpse.EINVALID, "Cannot change Domain ID. %s", invalidSuffix)
	}
	if b.Name != nil {
		if *b.Name == "" {
			return errRequired("name")
		}
		if err := checkIdentityName(*b.Name, maxUserName); err != nil {
			return err
		}
		u.Name = *b.Name
	}
	if b.DefaultProjectID != nil {
		u.DefaultProjectID = *b.DefaultProjectID
	}
	if b.Enabled != nil {
		revoke = revoke || u.Enabled && !*b.Enabled
		u.Enabled = *b.Enabled
	}
	if b.Password != nil {
		h, err := s.hasher()
		if err != nil {
			return err
		}
		if u.PasswordHash, err = h.HashPassword(*b.Password); err != nil {
			return err
		}
		revoke = true
	}
	u.Extra = mergeExtra(u.Extra, identityExtra(raw, "user", userCoreKeys))
	if err := s.Identity.UpdateUser(r.Context(), u); err != nil {
		if glimpse.ErrorCode(err) == glimpse.ECONFLICT {
			return glimpse.Errorf(glimpse.ECONFLICT, "Conflict occurred attempting to store user - Duplicate entry found with name %s at domain ID %s.", u.Name, u.DomainID)
		}
		return notFound(err, "user", id)
	}
	if revoke {
		if err := s.revokeUser(r.Context(), u.ID); err != nil {
			return err
		}
	}
	return writeKeystoneJSON(w, http.StatusOK, map[string]userView{"user": s.userViewOf(r, u)})
}

// handleUserChangePassword answers POST /v3/users/{user_id}/password (a user changes its own
// password with original_password): 204, and the user's tokens are revoked. A wrong
// original password is 401.
func (s *Server) handleUserChangePassword(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("user_id")
	var body userBody
	if err := decodeIdentityBody(r, &body); err != nil {
		return err
	}
	if body.User == nil {
		return errRequired("user")
	}
	if body.User.Password == nil {
		return errRequired("password")
	}
	if body.User.OriginalPassword == nil {
		return errRequired("original_password")
	}
	h, err := s.hasher()
	if err != nil {
		return err
	}
	// No token is needed: the original password proves who is asking, as in Keystone
	// (a user whose password expired can still change it). An unknown user is the same
	// 401 as a wrong password, so that the answer does not tell which users exist.
	u, err := s.Identity.FindUserByID(r.Context(), id)
	if glimpse.ErrorCode(err) == glimpse.ENOTFOUND {
		return glimpse.Errorf(glimpse.EUNAUTHORIZED, msgAuthRequired)
	} else if err != nil {
		return err
	}
	if !h.CheckPassword(u.PasswordHash, *body.User.OriginalPassword) {
		return glimpse.Errorf(glimpse.EUNAUTHORIZED, msgAuthRequired)
	}
	if u.PasswordHash, err = h.HashPassword(*body.User.Password); err != nil {
		return err
	}
	if err := s.Identity.UpdateUser(r.Context(), u); err != nil {
		return notFound(err, "user", id)
	}
	if err := s.revokeUser(r.Context(), u.ID); err != nil {
		return err
	}
	writeNoBody(w, http.StatusNoContent)
	return nil
}

// handleUserDelete answers DELETE /v3/users/{user_id}: 204; its assignments go and its
// tokens are revoked.
func (s *Server) handleUserDelete(w http.ResponseWriter, r *http.Request) error {
	if err := requireAdmin(r, "identity:delete_user"); err != nil {
		return err
	}
	id := r.PathValue("user_id")
	if err := s.Identity.DeleteUser(r.Context(), id); err != nil {
		return notFound(err, "user", id)
	}
	if err := s.revokeUser(r.Context(), id); err != nil {
		return err
	}
	writeNoBody(w, http.StatusNoContent)
	return nil
}

// handleUserProjects answers GET /v3/users/{user_id}/projects: the enabled projects on
// which the user holds a role; admin, or the user itself.
func (s *Server) handleUserProjects(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("user_id")
	if p := principal(r); !p.IsAdmin() && p.UserID != id {
		return forbidden("identity:list_user_projects")
	}
	if _, err := s.Identity.FindUserByID(r.Context(), id); err != nil {
		return notFound(err, "user", id)
	}
	projects, err := s.projectsOfUser(r, id)
	if err != nil {
		return err
	}
	return s.writeProjects(w, r, projects)
}
