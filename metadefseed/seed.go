// Package metadefseed holds the standard metadata definitions catalog that a fresh glimpse
// deployment starts with, and loads it once into a glimpse.MetadefService.
//
// The data are the facts of the catalog that Glance 25 loads with "glance-manage
// db_load_metadefs" (33 namespaces, 6 resource types), as the real Glance serves them:
// namespaces/NN-<name>.json is GET /v2/metadefs/namespaces/<name> without times and links,
// numbered in the order they are seeded; resource_types.json lists the resource types in
// the order GET /v2/metadefs/resource_types shows them.
package metadefseed

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"log/slog"
	"sort"

	"github.com/glimpse-image/glimpse"
)

//go:embed resource_types.json namespaces/*.json
var files embed.FS

// Seed loads the standard catalog into svc unless the database was seeded before, and
// logs what it did.
func Seed(ctx context.Context, svc glimpse.MetadefService, logger *slog.Logger) error {
	types, namespaces, err := Load()
	if err != nil {
		return err
	}
	seeded, err := svc.SeedMetadefs(ctx, types, namespaces)
	if err != nil {
		return fmt.Errorf("seed metadata definitions: %w", err)
	}
	if seeded && logger != nil {
		logger.Info("seeded the standard metadata definitions", "namespaces", len(namespaces), "resource_types", len(types))
	}
	return nil
}

// Load parses the embedded catalog.
func Load() ([]*glimpse.MetadefResourceType, []*glimpse.MetadefSeedNamespace, error) {
	b, err := files.ReadFile("resource_types.json")
	if err != nil {
		return nil, nil, fmt.Errorf("metadefseed: %w", err)
	}
	var names []string
	if err := json.Unmarshal(b, &names); err != nil {
		return nil, nil, fmt.Errorf("metadefseed: resource_types.json: %w", err)
	}
	types := make([]*glimpse.MetadefResourceType, len(names))
	for i, n := range names {
		types[i] = &glimpse.MetadefResourceType{Name: n, Protected: true}
	}
	paths, err := fs.Glob(files, "namespaces/*.json")
	if err != nil {
		return nil, nil, fmt.Errorf("metadefseed: %w", err)
	}
	sort.Strings(paths)
	namespaces := make([]*glimpse.MetadefSeedNamespace, 0, len(paths))
	for _, p := range paths {
		b, err := files.ReadFile(p)
		if err != nil {
			return nil, nil, fmt.Errorf("metadefseed: %w", err)
		}
		ns, err := parseNamespace(b)
		if err != nil {
			return nil, nil, fmt.Errorf("metadefseed: %s: %w", p, err)
		}
		namespaces = append(namespaces, ns)
	}
	return types, namespaces, nil
}

// seedNamespace is the JSON of one namespace file.
type seedNamespace struct {
	Namespace    string                  `json:"namespace"`
	DisplayName  string                  `json:"display_name"`
	Description  string                  `json:"description"`
	Visibility   string                  `json:"visibility"`
	Protected    bool                    `json:"protected"`
	Owner        string                  `json:"owner"`
	Associations []seedAssociation       `json:"resource_type_associations"`
	Properties   json.RawMessage         `json:"properties"`
	Objects      []seedObject            `json:"objects"`
	Tags         []struct{ Name string } `json:"tags"`
}

type seedAssociation struct {
	Name             string `json:"name"`
	Prefix           string `json:"prefix"`
	PropertiesTarget string `json:"properties_target"`
}

type seedObject struct {
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Required    []string        `json:"required"`
	Properties  json.RawMessage `json:"properties"`
}

func parseNamespace(b []byte) (*glimpse.MetadefSeedNamespace, error) {
	var s seedNamespace
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, err
	}
	if s.Namespace == "" || s.Visibility == "" || s.Owner == "" {
		return nil, fmt.Errorf("namespace, visibility and owner are required")
	}
	ns := &glimpse.MetadefNamespace{
		Namespace: s.Namespace, DisplayName: s.DisplayName, Description: s.Description,
		Visibility: s.Visibility, Protected: s.Protected, Owner: s.Owner,
	}
	for _, a := range s.Associations {
		ns.Associations = append(ns.Associations, glimpse.MetadefAssociation{Name: a.Name, Prefix: a.Prefix, PropertiesTarget: a.PropertiesTarget})
	}
	out := &glimpse.MetadefSeedNamespace{Namespace: ns}
	props, err := orderedProperties(s.Properties)
	if err != nil {
		return nil, fmt.Errorf("properties: %w", err)
	}
	for i := range props {
		out.Contents.Properties = append(out.Contents.Properties, &props[i])
	}
	for _, o := range s.Objects {
		oprops, err := orderedProperties(o.Properties)
		if err != nil {
			return nil, fmt.Errorf("object %s: %w", o.Name, err)
		}
		out.Contents.Objects = append(out.Contents.Objects, &glimpse.MetadefObject{
			Name: o.Name, Description: o.Description, Required: o.Required, Properties: oprops,
		})
	}
	for _, t := range s.Tags {
		out.Contents.Tags = append(out.Contents.Tags, &glimpse.MetadefTag{Name: t.Name})
	}
	return out, nil
}

// orderedProperties reads a JSON object of property definitions in document order.
func orderedProperties(raw json.RawMessage) ([]glimpse.MetadefProperty, error) {
	props := []glimpse.MetadefProperty{}
	if len(raw) == 0 || string(raw) == "null" {
		return props, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("not a JSON object")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		name, _ := tok.(string)
		var schema json.RawMessage
		if err := dec.Decode(&schema); err != nil {
			return nil, err
		}
		props = append(props, glimpse.MetadefProperty{Name: name, Schema: schema})
	}
	return props, nil
}
