package httpapi

import "net/http"

// identityVersion is the one version glimpse's identity API offers (Keystone Zed: v3.14).
type identityVersion struct {
	ID         string              `json:"id"`
	Status     string              `json:"status"`
	Updated    string              `json:"updated"`
	Links      []versionLink       `json:"links"`
	MediaTypes []identityMediaType `json:"media-types"`
}

type versionLink struct {
	Rel  string `json:"rel"`
	Href string `json:"href"`
}

type identityMediaType struct {
	Base string `json:"base"`
	Type string `json:"type"`
}

func (s *Server) identityV3(r *http.Request) identityVersion {
	return identityVersion{
		ID: "v3.14", Status: "stable", Updated: "2020-04-07T00:00:00Z",
		Links: []versionLink{{Rel: "self", Href: s.identityBase(r) + "/v3/"}},
		MediaTypes: []identityMediaType{{Base: "application/json",
			Type: "application/vnd.openstack.identity-v3+json"}},
	}
}

// handleIdentityVersions answers GET / as Keystone does: 300 Multiple Choices,
// {"versions": {"values": [v3]}}, Location of v3.
func (s *Server) handleIdentityVersions(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Location", s.identityBase(r)+"/v3/")
	type values struct {
		Values []identityVersion `json:"values"`
	}
	return writeKeystoneJSON(w, http.StatusMultipleChoices,
		map[string]values{"versions": {Values: []identityVersion{s.identityV3(r)}}})
}

// handleIdentityVersion answers GET /v3: {"version": {...}} (what keystoneauth discovers).
func (s *Server) handleIdentityVersion(w http.ResponseWriter, r *http.Request) error {
	return writeKeystoneJSON(w, http.StatusOK, map[string]identityVersion{"version": s.identityV3(r)})
}
