package sqlstore

import (
	"context"
	"fmt"

	"github.com/glimpse-image/glimpse"
)

// ---- regions ("Regions" in the Identity API v3 reference)

const regionSelect = "SELECT id, description, parent_region_id FROM regions"

func scanRegion(r rowScanner) (*glimpse.Region, error) {
	reg := &glimpse.Region{}
	return reg, r.Scan(&reg.ID, &reg.Description, &reg.ParentRegionID)
}

// CreateRegion stores r, setting r.ID to a new hex UUID when empty.
// Errors: ENOTFOUND for an unknown parent region; ECONFLICT "… Duplicate ID, <id>.".
func (db *DB) CreateRegion(ctx context.Context, r *glimpse.Region) error {
	if r.ID == "" {
		r.ID = newKeystoneID()
	}
	return db.writeTx(ctx, func(tx *tx) error {
		if r.ParentRegionID != "" {
			if err := mustExist(ctx, tx, "regions", "region", r.ParentRegionID); err != nil {
				return err
			}
		}
		_, err := tx.exec(ctx, "INSERT INTO regions (id, description, parent_region_id) VALUES (?, ?, ?)",
			r.ID, r.Description, r.ParentRegionID)
		if tx.d.isUniqueViolation(err) {
			return conflict("region", "Duplicate ID, %s.", r.ID)
		} else if err != nil {
			return fmt.Errorf("insert region: %w", err)
		}
		return nil
	})
}

// FindRegionByID returns a region. Errors: ENOTFOUND "Could not find region: <id>.".
func (db *DB) FindRegionByID(ctx context.Context, id string) (*glimpse.Region, error) {
	return findOne(ctx, db, "region", id, scanRegion, regionSelect+" WHERE id = ?", id)
}

// FindRegions returns every region, by id.
func (db *DB) FindRegions(ctx context.Context) ([]*glimpse.Region, error) {
	return findAll(ctx, db, "regions", scanRegion, regionSelect+" ORDER BY id")
}

// DeleteRegion deletes a region. Endpoints keep their region id. Errors: ENOTFOUND.
func (db *DB) DeleteRegion(ctx context.Context, id string) error {
	return db.writeTx(ctx, func(tx *tx) error {
		return execOne(ctx, tx, "region", id, "DELETE FROM regions WHERE id = ?", id)
	})
}

// ---- services ("Service catalog and endpoints")

const serviceSelect = "SELECT id, type, name, description, enabled FROM services"

func scanService(r rowScanner) (*glimpse.Service, error) {
	s := &glimpse.Service{}
	return s, r.Scan(&s.ID, &s.Type, &s.Name, &s.Description, &s.Enabled)
}

// CreateService stores s, setting s.ID to a new hex UUID when empty.
// Errors: ECONFLICT "… Duplicate ID, <id>.".
func (db *DB) CreateService(ctx context.Context, s *glimpse.Service) error {
	if s.ID == "" {
		s.ID = newKeystoneID()
	}
	return db.writeTx(ctx, func(tx *tx) error {
		_, err := tx.exec(ctx, "INSERT INTO services (id, type, name, description, enabled) VALUES (?, ?, ?, ?, ?)",
			s.ID, s.Type, s.Name, s.Description, s.Enabled)
		if tx.d.isUniqueViolation(err) {
			return conflict("service", "Duplicate ID, %s.", s.ID)
		} else if err != nil {
			return fmt.Errorf("insert service: %w", err)
		}
		return nil
	})
}

// FindServiceByID returns a service. Errors: ENOTFOUND "Could not find service: <id>.".
func (db *DB) FindServiceByID(ctx context.Context, id string) (*glimpse.Service, error) {
	return findOne(ctx, db, "service", id, scanService, serviceSelect+" WHERE id = ?", id)
}

// FindServices returns every service, by type then name.
func (db *DB) FindServices(ctx context.Context) ([]*glimpse.Service, error) {
	return findAll(ctx, db, "services", scanService, serviceSelect+" ORDER BY type, name, id")
}

// UpdateService stores every field of s but ID. Errors: ENOTFOUND.
func (db *DB) UpdateService(ctx context.Context, s *glimpse.Service) error {
	return db.writeTx(ctx, func(tx *tx) error {
		return execOne(ctx, tx, "service", s.ID, "UPDATE services SET type = ?, name = ?, description = ?, enabled = ? WHERE id = ?",
			s.Type, s.Name, s.Description, s.Enabled, s.ID)
	})
}

// DeleteService deletes a service and its endpoints. Errors: ENOTFOUND.
func (db *DB) DeleteService(ctx context.Context, id string) error {
	return db.writeTx(ctx, func(tx *tx) error {
		if _, err := tx.exec(ctx, "DELETE FROM endpoints WHERE service_id = ?", id); err != nil {
			return fmt.Errorf("delete service endpoints: %w", err)
		}
		return execOne(ctx, tx, "service", id, "DELETE FROM services WHERE id = ?", id)
	})
}

// ---- endpoints

const endpointSelect = "SELECT id, service_id, region_id, interface, url, enabled FROM endpoints"

func scanEndpoint(r rowScanner) (*glimpse.Endpoint, error) {
	e := &glimpse.Endpoint{}
	return e, r.Scan(&e.ID, &e.ServiceID, &e.RegionID, &e.Interface, &e.URL, &e.Enabled)
}

// checkEndpointRefs returns ENOTFOUND for an unknown service or (non-empty) region.
func checkEndpointRefs(ctx context.Context, tx *tx, e *glimpse.Endpoint) error {
	if err := mustExist(ctx, tx, "services", "service", e.ServiceID); err != nil {
		return err
	}
	if e.RegionID != "" {
		return mustExist(ctx, tx, "regions", "region", e.RegionID)
	}
	return nil
}

// CreateEndpoint stores e, setting e.ID to a new hex UUID when empty.
// Errors: ENOTFOUND for an unknown service or region; ECONFLICT for a duplicate id.
func (db *DB) CreateEndpoint(ctx context.Context, e *glimpse.Endpoint) error {
	if e.ID == "" {
		e.ID = newKeystoneID()
	}
	return db.writeTx(ctx, func(tx *tx) error {
		if err := checkEndpointRefs(ctx, tx, e); err != nil {
			return err
		}
		_, err := tx.exec(ctx, "INSERT INTO endpoints (id, service_id, region_id, interface, url, enabled) VALUES (?, ?, ?, ?, ?, ?)",
			e.ID, e.ServiceID, e.RegionID, e.Interface, e.URL, e.Enabled)
		if tx.d.isUniqueViolation(err) {
			return conflict("endpoint", "Duplicate ID, %s.", e.ID)
		} else if err != nil {
			return fmt.Errorf("insert endpoint: %w", err)
		}
		return nil
	})
}

// FindEndpointByID returns an endpoint. Errors: ENOTFOUND "Could not find endpoint: <id>.".
func (db *DB) FindEndpointByID(ctx context.Context, id string) (*glimpse.Endpoint, error) {
	return findOne(ctx, db, "endpoint", id, scanEndpoint, endpointSelect+" WHERE id = ?", id)
}

// FindEndpoints returns every endpoint, by service, interface and region.
func (db *DB) FindEndpoints(ctx context.Context) ([]*glimpse.Endpoint, error) {
	return findAll(ctx, db, "endpoints", scanEndpoint, endpointSelect+" ORDER BY service_id, interface, region_id, id")
}

// UpdateEndpoint stores every field of e but ID.
// Errors: ENOTFOUND (endpoint, service or region).
func (db *DB) UpdateEndpoint(ctx context.Context, e *glimpse.Endpoint) error {
	return db.writeTx(ctx, func(tx *tx) error {
		if err := mustExist(ctx, tx, "endpoints", "endpoint", e.ID); err != nil {
			return err
		}
		if err := checkEndpointRefs(ctx, tx, e); err != nil {
			return err
		}
		_, err := tx.exec(ctx, "UPDATE endpoints SET service_id = ?, region_id = ?, interface = ?, url = ?, enabled = ? WHERE id = ?",
			e.ServiceID, e.RegionID, e.Interface, e.URL, e.Enabled, e.ID)
		if err != nil {
			return fmt.Errorf("update endpoint: %w", err)
		}
		return nil
	})
}

// DeleteEndpoint deletes an endpoint. Errors: ENOTFOUND.
func (db *DB) DeleteEndpoint(ctx context.Context, id string) error {
	return db.writeTx(ctx, func(tx *tx) error {
		return execOne(ctx, tx, "endpoint", id, "DELETE FROM endpoints WHERE id = ?", id)
	})
}
