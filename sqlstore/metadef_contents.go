package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/glimpse-image/glimpse"
)

// Objects and properties of a namespace ("Metadata definition objects" and "Metadata
// definition properties" in the Glance API reference). A property's definition is stored
// as its JSON text; an object's properties as one JSON object in their order.

// insertContents stores the objects, properties and tags of a new namespace. Their
// UpdatedAt is updatedAt (nil for the seeded catalog, as Glance's loader leaves it).
func insertContents(ctx context.Context, tx *tx, nsID int64, nsName string, c *glimpse.MetadefContents, updatedAt *time.Time) error {
	for _, o := range c.Objects {
		o.CreatedAt, o.UpdatedAt = tx.now, updatedAt
		if err := insertObject(ctx, tx, nsID, nsName, o); err != nil {
			return err
		}
	}
	for _, p := range c.Properties {
		p.CreatedAt, p.UpdatedAt = tx.now, updatedAt
		if err := insertProperty(ctx, tx, nsID, nsName, p); err != nil {
			return err
		}
	}
	for _, t := range c.Tags {
		t.CreatedAt, t.UpdatedAt = tx.now, updatedAt
		if err := insertTag(ctx, tx, nsID, nsName, t); err != nil {
			return err
		}
	}
	return nil
}

// encodeProperties writes properties as one JSON object, in order.
func encodeProperties(props []glimpse.MetadefProperty) (string, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, p := range props {
		if i > 0 {
			b.WriteByte(',')
		}
		name, _ := json.Marshal(p.Name)
		b.Write(name)
		b.WriteByte(':')
		schema := p.Schema
		if len(schema) == 0 {
			schema = json.RawMessage("{}")
		}
		if err := json.Compact(&b, schema); err != nil {
			return "", fmt.Errorf("property %s: %w", p.Name, err)
		}
	}
	b.WriteByte('}')
	return b.String(), nil
}

// decodeProperties reads what encodeProperties wrote, keeping the order.
func decodeProperties(s string) ([]glimpse.MetadefProperty, error) {
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("sqlstore: object properties are not a JSON object")
	}
	props := []glimpse.MetadefProperty{}
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

// encodeRequired stores nil as NULL and a list as its JSON text.
func encodeRequired(req []string) any {
	if req == nil {
		return nil
	}
	b, _ := json.Marshal(req)
	return string(b)
}

const objectSelect = "SELECT o.name, o.description, o.required, o.properties, o.created_at, o.updated_at FROM metadef_objects o"

func scanObject(r rowScanner) (*glimpse.MetadefObject, error) {
	o := &glimpse.MetadefObject{}
	var required sql.NullString
	var props string
	if err := r.Scan(&o.Name, &nullString{&o.Description}, &required, &props, timeScan{&o.CreatedAt}, nullTimeScan{&o.UpdatedAt}); err != nil {
		return nil, err
	}
	if required.Valid {
		if err := json.Unmarshal([]byte(required.String), &o.Required); err != nil {
			return nil, fmt.Errorf("object %s required: %w", o.Name, err)
		}
	}
	var err error
	if o.Properties, err = decodeProperties(props); err != nil {
		return nil, fmt.Errorf("object %s properties: %w", o.Name, err)
	}
	return o, nil
}

func insertObject(ctx context.Context, tx *tx, nsID int64, nsName string, o *glimpse.MetadefObject) error {
	props, err := encodeProperties(o.Properties)
	if err != nil {
		return err
	}
	return execUnique(ctx, tx,
		glimpse.Errorf(glimpse.ECONFLICT, "A metadata definition object with name=%s already exists in namespace=%s.", o.Name, nsName),
		"insert metadef object",
		"INSERT INTO metadef_objects (namespace_id, name, description, required, properties, created_at, updated_at)"+
			" VALUES (?, ?, ?, ?, ?, ?, ?)", nsID, o.Name, &nullString{&o.Description}, encodeRequired(o.Required), props,
		tx.d.timeArg(o.CreatedAt), tx.d.nullTimeArg(o.UpdatedAt))
}

// CreateObject adds an object to a namespace; CreatedAt and UpdatedAt are set to now.
// Errors: ENOTFOUND for the namespace; ECONFLICT "A metadata definition object with
// name=<o> already exists in namespace=<n>."
func (db *DB) CreateObject(ctx context.Context, namespace string, o *glimpse.MetadefObject) error {
	return db.writeNamespace(ctx, namespace, func(tx *tx, n *namespaceRow) error {
		now := tx.now
		o.CreatedAt, o.UpdatedAt = now, &now
		return insertObject(ctx, tx, n.id, namespace, o)
	})
}

func findObject(ctx context.Context, tx *tx, nsID int64, nsName, name string) (*glimpse.MetadefObject, error) {
	return findByName(ctx, tx, objectSelect+" WHERE o.namespace_id = ? AND o.name = ?", nsID, nsName, name,
		scanObject, objectNotFound, "metadef object")
}

// FindObject returns one object. Errors: ENOTFOUND for the namespace or the object.
func (db *DB) FindObject(ctx context.Context, namespace, name string) (*glimpse.MetadefObject, error) {
	return readNamespace(ctx, db, namespace, func(tx *tx, n *namespaceRow) (*glimpse.MetadefObject, error) {
		return findObject(ctx, tx, n.id, namespace, name)
	})
}

// FindObjects returns the objects of a namespace by name (the order of Glance's unique
// index, which its unordered query follows). Errors: ENOTFOUND.
func (db *DB) FindObjects(ctx context.Context, namespace string) ([]*glimpse.MetadefObject, error) {
	return readNamespace(ctx, db, namespace, func(tx *tx, n *namespaceRow) ([]*glimpse.MetadefObject, error) {
		objects, err := scanRows(ctx, tx, objectSelect+" WHERE o.namespace_id = ? ORDER BY o.name", []any{n.id}, scanObject)
		if err != nil {
			return nil, fmt.Errorf("select metadef objects: %w", err)
		}
		return objects, nil
	})
}

// UpdateObject replaces the object called name by o (which may rename it); o.CreatedAt is
// kept from the store and UpdatedAt set to now. Errors: ENOTFOUND; ECONFLICT "Invalid
// update. It would result in a duplicate metadata definition object with the same
// name=<o> in namespace=<n>."
func (db *DB) UpdateObject(ctx context.Context, namespace, name string, o *glimpse.MetadefObject) error {
	var old *glimpse.MetadefObject
	var now time.Time
	err := db.writeNamespace(ctx, namespace, func(tx *tx, n *namespaceRow) error {
		var err error
		if old, err = findObject(ctx, tx, n.id, namespace, name); err != nil {
			return err
		}
		props, err := encodeProperties(o.Properties)
		if err != nil {
			return err
		}
		now = tx.now
		return execUnique(ctx, tx,
			glimpse.Errorf(glimpse.ECONFLICT, "Invalid update. It would result in a duplicate metadata definition object with the same name=%s in namespace=%s.", o.Name, namespace),
			"update metadef object",
			"UPDATE metadef_objects SET name = ?, description = ?, required = ?, properties = ?, updated_at = ?"+
				" WHERE namespace_id = ? AND name = ?", o.Name, &nullString{&o.Description}, encodeRequired(o.Required), props,
			tx.d.timeArg(now), n.id, name)
	})
	if err != nil {
		return err
	}
	o.CreatedAt, o.UpdatedAt = old.CreatedAt, &now
	return nil
}

// DeleteObject removes an object. Errors: ENOTFOUND.
func (db *DB) DeleteObject(ctx context.Context, namespace, name string) error {
	return db.deleteChild(ctx, namespace, "metadef_objects", name, objectNotFound)
}

// deleteChild removes the row called name of table in the namespace.
func (db *DB) deleteChild(ctx context.Context, namespace, table, name string, notFound func(ns, name string) error) error {
	return db.writeNamespace(ctx, namespace, func(tx *tx, n *namespaceRow) error {
		count, err := tx.execAffected(ctx, "DELETE FROM "+table+" WHERE namespace_id = ? AND name = ?", n.id, name)
		if err != nil {
			return fmt.Errorf("delete from %s: %w", table, err)
		} else if count == 0 {
			return notFound(namespace, name)
		}
		return nil
	})
}

const propertySelect = "SELECT name, json_schema, created_at, updated_at FROM metadef_properties"

func scanProperty(r rowScanner) (*glimpse.MetadefProperty, error) {
	p := &glimpse.MetadefProperty{}
	var schema string
	if err := r.Scan(&p.Name, &schema, timeScan{&p.CreatedAt}, nullTimeScan{&p.UpdatedAt}); err != nil {
		return nil, err
	}
	p.Schema = json.RawMessage(schema)
	return p, nil
}

func compactSchema(p *glimpse.MetadefProperty) (string, error) {
	if len(p.Schema) == 0 {
		return "{}", nil
	}
	var b bytes.Buffer
	if err := json.Compact(&b, p.Schema); err != nil {
		return "", fmt.Errorf("property %s: %w", p.Name, err)
	}
	return b.String(), nil
}

func insertProperty(ctx context.Context, tx *tx, nsID int64, nsName string, p *glimpse.MetadefProperty) error {
	schema, err := compactSchema(p)
	if err != nil {
		return err
	}
	return execUnique(ctx, tx,
		glimpse.Errorf(glimpse.ECONFLICT, "A metadata definition property with name=%s already exists in namespace=%s.", p.Name, nsName),
		"insert metadef property",
		"INSERT INTO metadef_properties (namespace_id, name, json_schema, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
		nsID, p.Name, schema, tx.d.timeArg(p.CreatedAt), tx.d.nullTimeArg(p.UpdatedAt))
}

// CreateProperty adds a property to a namespace. Errors: ENOTFOUND for the namespace;
// ECONFLICT "A metadata definition property with name=<p> already exists in
// namespace=<n>."
func (db *DB) CreateProperty(ctx context.Context, namespace string, p *glimpse.MetadefProperty) error {
	return db.writeNamespace(ctx, namespace, func(tx *tx, n *namespaceRow) error {
		now := tx.now
		p.CreatedAt, p.UpdatedAt = now, &now
		return insertProperty(ctx, tx, n.id, namespace, p)
	})
}

func findProperty(ctx context.Context, tx *tx, nsID int64, nsName, name string) (*glimpse.MetadefProperty, error) {
	return findByName(ctx, tx, propertySelect+" WHERE namespace_id = ? AND name = ?", nsID, nsName, name,
		scanProperty, propertyNotFound, "metadef property")
}

// FindProperty returns one property. Errors: ENOTFOUND for the namespace or the property.
func (db *DB) FindProperty(ctx context.Context, namespace, name string) (*glimpse.MetadefProperty, error) {
	return readNamespace(ctx, db, namespace, func(tx *tx, n *namespaceRow) (*glimpse.MetadefProperty, error) {
		return findProperty(ctx, tx, n.id, namespace, name)
	})
}

// FindProperties returns the properties of a namespace by name (as FindObjects). Errors: ENOTFOUND.
func (db *DB) FindProperties(ctx context.Context, namespace string) ([]*glimpse.MetadefProperty, error) {
	return readNamespace(ctx, db, namespace, func(tx *tx, n *namespaceRow) ([]*glimpse.MetadefProperty, error) {
		props, err := scanRows(ctx, tx, propertySelect+" WHERE namespace_id = ? ORDER BY name", []any{n.id}, scanProperty)
		if err != nil {
			return nil, fmt.Errorf("select metadef properties: %w", err)
		}
		return props, nil
	})
}

// UpdateProperty replaces the property called name by p (which may rename it). Errors:
// ENOTFOUND; ECONFLICT "Invalid update. It would result in a duplicate metadata definition
// property with the same name=<p> in namespace=<n>."
func (db *DB) UpdateProperty(ctx context.Context, namespace, name string, p *glimpse.MetadefProperty) error {
	var old *glimpse.MetadefProperty
	var now time.Time
	err := db.writeNamespace(ctx, namespace, func(tx *tx, n *namespaceRow) error {
		var err error
		if old, err = findProperty(ctx, tx, n.id, namespace, name); err != nil {
			return err
		}
		schema, err := compactSchema(p)
		if err != nil {
			return err
		}
		now = tx.now
		return execUnique(ctx, tx,
			glimpse.Errorf(glimpse.ECONFLICT, "Invalid update. It would result in a duplicate metadata definition property with the same name=%s in namespace=%s.", p.Name, namespace),
			"update metadef property",
			"UPDATE metadef_properties SET name = ?, json_schema = ?, updated_at = ? WHERE namespace_id = ? AND name = ?",
			p.Name, schema, tx.d.timeArg(now), n.id, name)
	})
	if err != nil {
		return err
	}
	p.CreatedAt, p.UpdatedAt = old.CreatedAt, &now
	return nil
}

// DeleteProperty removes a property. Errors: ENOTFOUND.
func (db *DB) DeleteProperty(ctx context.Context, namespace, name string) error {
	return db.deleteChild(ctx, namespace, "metadef_properties", name, propertyNotFound)
}
