package httpapi

import (
	"bytes"
	"embed"
	"fmt"
	"net/http"
)

// schemaFiles are the bodies the real Glance 25 serves at GET /v2/schemas/{image, images,
// member, members, task, tasks} ("Image Schemas" and "Tasks" in the Image API reference),
// byte for byte.
//
//go:embed schemas/*.json
var schemaFiles embed.FS

func mustSchemaFile(name string) []byte {
	b, err := schemaFiles.ReadFile("schemas/" + name + ".json")
	if err != nil {
		panic(fmt.Sprintf("httpapi: embedded schema %s: %v", name, err))
	}
	return bytes.TrimRight(b, "\n")
}

var (
	schemaImageJSON   = mustSchemaFile("image")
	schemaImagesJSON  = mustSchemaFile("images")
	schemaMemberJSON  = mustSchemaFile("member")
	schemaMembersJSON = mustSchemaFile("members")
	schemaTaskJSON    = mustSchemaFile("task")
	schemaTasksJSON   = mustSchemaFile("tasks")
)

func writeSchema(w http.ResponseWriter, body []byte) error {
	writeRaw(w, http.StatusOK, "application/json", body)
	return nil
}

// handleSchemaImage answers GET /v2/schemas/image.
func (s *Server) handleSchemaImage(w http.ResponseWriter, r *http.Request) error {
	return writeSchema(w, schemaImageJSON)
}

// handleSchemaImages answers GET /v2/schemas/images.
func (s *Server) handleSchemaImages(w http.ResponseWriter, r *http.Request) error {
	return writeSchema(w, schemaImagesJSON)
}

// handleSchemaMember answers GET /v2/schemas/member.
func (s *Server) handleSchemaMember(w http.ResponseWriter, r *http.Request) error {
	return writeSchema(w, schemaMemberJSON)
}

// handleSchemaMembers answers GET /v2/schemas/members.
func (s *Server) handleSchemaMembers(w http.ResponseWriter, r *http.Request) error {
	return writeSchema(w, schemaMembersJSON)
}

// handleSchemaTask answers GET /v2/schemas/task (glance task-show reads it).
func (s *Server) handleSchemaTask(w http.ResponseWriter, r *http.Request) error {
	return writeSchema(w, schemaTaskJSON)
}

// handleSchemaTasks answers GET /v2/schemas/tasks (glance task-list reads it).
func (s *Server) handleSchemaTasks(w http.ResponseWriter, r *http.Request) error {
	return writeSchema(w, schemaTasksJSON)
}
