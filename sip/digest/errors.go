package digest

import "errors"

// Errors from [ParseAuthorization]. Each error it returns wraps one of these.
var (
	// ErrScheme: the header does not start with the Digest scheme.
	ErrScheme = errors.New("not a digest authorization")
	// ErrTooLong: the header or one of its values exceeds its length cap.
	ErrTooLong = errors.New("too long")
	// ErrSyntax: the parameter list is malformed.
	ErrSyntax = errors.New("malformed parameters")
	// ErrDuplicate: a parameter appears twice.
	ErrDuplicate = errors.New("duplicate parameter")
	// ErrMissing: a required parameter is absent or empty.
	ErrMissing = errors.New("missing parameter")
)

// Reasons returned with a [Result] by [Authenticator.Verify]. They are for
// logs: never send them to the client, they tell users apart.
var (
	// ErrRealm: the realm is not ours.
	ErrRealm = errors.New("realm mismatch")
	// ErrAlgorithm: the algorithm is not one we offer.
	ErrAlgorithm = errors.New("unsupported algorithm")
	// ErrQOP: the qop is not "auth", or is absent and Config.AllowNoQOP is false.
	ErrQOP = errors.New("unsupported qop")
	// ErrNonceCount: qop=auth without a valid nc or cnonce.
	ErrNonceCount = errors.New("bad nonce count or cnonce")
	// ErrNonce: the nonce was not issued with our secret.
	ErrNonce = errors.New("forged or malformed nonce")
	// ErrUnknownUser: the lookup does not know the username.
	ErrUnknownUser = errors.New("unknown user")
	// ErrHA1: the lookup returned an HA1 that is not hex of the algorithm's size.
	ErrHA1 = errors.New("lookup returned a malformed ha1")
	// ErrResponse: the digest response is wrong.
	ErrResponse = errors.New("wrong response")
	// ErrStaleNonce: the digest is right but the nonce is too old, or was
	// forgotten; the client should retry with a fresh nonce.
	ErrStaleNonce = errors.New("stale nonce")
	// ErrReplay: the digest is right but this (nonce, nc) was already used.
	ErrReplay = errors.New("replayed nonce count")
)

// Errors from [New] for a bad [Config].
var (
	// ErrConfigRealm: Realm is empty or not plain printable ASCII.
	ErrConfigRealm = errors.New("realm must be printable ascii without quotes or backslashes")
	// ErrConfigSecret: Secret is set but shorter than 16 bytes.
	ErrConfigSecret = errors.New("secret must be at least 16 bytes")
	// ErrConfigAlgorithm: Algorithms names an unknown or repeated algorithm.
	ErrConfigAlgorithm = errors.New("algorithms must be distinct SHA-256 or MD5")
	// ErrConfigRange: a duration or count is negative, or thresholds are out
	// of order (DropAfter must exceed RejectAfter).
	ErrConfigRange = errors.New("value out of range")
)
