package glimpse

import (
	"errors"
	"fmt"
)

// Error codes. The HTTP layer maps each to one status (see httpapi), so services and
// handlers never choose status codes themselves.
const (
	EINVALID          = "invalid"           // 400: the request is malformed or fails the schema
	EUNAUTHORIZED     = "unauthorized"      // 401: no valid token, or bad credentials
	EFORBIDDEN        = "forbidden"         // 403: the caller may see the target but not do this
	ENOTFOUND         = "not_found"         // 404: no such object, or one the caller may not see
	ECONFLICT         = "conflict"          // 409: the object's state forbids this (e.g. upload to an active image)
	EGONE             = "gone"              // 410: the object was deleted while the request worked on it
	ETOOLARGE         = "too_large"         // 413: the body exceeds a size limit or quota
	EUNSUPPORTEDMEDIA = "unsupported_media" // 415: wrong Content-Type
	ENOTIMPLEMENTED   = "not_implemented"   // 501: a feature of the API glimpse does not offer
	EUNAVAILABLE      = "unavailable"       // 503: a backend cannot be reached
	EINTERNAL         = "internal"          // 500: a bug or an unexpected backend failure
)

// Error is an application error: a Code from the list above and a message that is safe to
// show to the client (it becomes the "message" of Glance's or Keystone's error body).
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("glimpse: code=%s message=%s", e.Code, e.Message) }

// Errorf returns an *Error with the given code and a formatted client-safe message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for any other
// non-nil error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the client-safe message of the first *Error in err's chain, or
// "Internal error." for any other error (whose text may hold details not meant for clients).
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}
