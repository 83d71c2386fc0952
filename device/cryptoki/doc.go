// Package cryptoki is fiscald's PKCS#11 signature-device driver: it loads a
// vendor module (SoftHSM2, OpenSC, an HSM's library), finds a token by label
// or serial, logs in once, keeps a pool of sessions and signs host-computed
// SHA-256 digests with CKM_ECDSA, returning the raw r‖s form RKSV's JWS uses.
//
// It is the only package that imports github.com/miekg/pkcs11 (cgo), and it
// imports nothing from fiscald but the device contract. cmd/fiscald joins it
// to the fiscal core; cmd/fiscalctl uses the administration functions
// (ListSlots, InitToken, EnsureKey, WriteCertificate, SelfTest).
//
// # Module and signers
//
// A Module is one loaded PKCS#11 library. Load it once per library path per
// process and open one Signer per token key on it. Some modules only notice
// a removed and re-inserted token after C_Finalize + C_Initialize (SoftHSM2
// does), and re-initialising a module invalidates every session of every
// token on it, so the Module coordinates: every C call runs under the
// module's read lock, a re-initialisation takes the write lock and bumps an
// epoch, and a signer whose sessions belong to an older epoch reconnects
// before its next call without being marked failed. A token that stays
// absent therefore costs the other tokens on its module one reconnect per
// backoff period of its signer.
//
// A re-initialisation waits for the calls in flight and holds up new ones.
// Once one is pending behind a call that hangs in the library, every token
// on the module stalls (its signatures time out, so it is marked failed)
// until that call returns. Nothing can be done about that: PKCS#11 calls
// cannot be interrupted, and finalising a library under a running call is
// undefined. For the same reason Signer.Close and Module.Close wait for
// calls in flight.
//
// # Failure handling
//
// A Signer classifies every PKCS#11 return value (see classify.go) and keeps
// its device.Health through a device.Monitor. A supervisor goroutine per
// signer reconnects a failed device with exponential backoff and declares it
// up again only after a health-check signature verifies against the public
// key found at the first connect, and only if no failure was recorded while
// that probe ran. Authentication failures are never retried: cards lock
// after a few wrong PINs.
//
// Every error Sign returns that wraps device.ErrUnavailable, or
// device.ErrTimeout because the caller's deadline passed, has put the device
// into the failed state. The fiscal core relies on that: it marks the
// receipt failed and waits for Health().Changed, which a device that stayed
// up would never close. (A cancelled context is the caller's own doing and
// changes nothing.)
//
// The package needs cgo. The fiscal core does not import it (only
// cmd/fiscald and cmd/fiscalctl do), so the core still builds with
// CGO_ENABLED=0.
package cryptoki
