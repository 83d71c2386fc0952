package zvt

import (
	"errors"
	"fmt"
)

// Errors callers branch on. Link errors additionally wrap the device
// sentinels (device.ErrUnavailable, device.ErrTimeout), so code above the
// driver needs only those.
var (
	// ErrMalformed means bytes do not form a valid ZVT message: a field
	// runs past the end of its data block, a length prefix is not
	// decimal, a BCD digit is out of range. Every parse error wraps it.
	ErrMalformed = errors.New("zvt: malformed message")
	// ErrTruncated means the input ends inside an APDU. DecodeAPDU returns
	// it when more bytes may complete the APDU, which is how the TCP link
	// reassembles APDUs from arbitrary segments. It wraps ErrMalformed.
	ErrTruncated = fmt.Errorf("%w: truncated", ErrMalformed)
	// ErrUnknownBMP means a data block holds a BMP whose length rule is
	// not known. Parsing must stop there: without the length the next
	// field cannot be found. It wraps ErrMalformed.
	ErrUnknownBMP = fmt.Errorf("%w: unknown BMP", ErrMalformed)
	// ErrTooLong means a data block, variable field or TLV value exceeds
	// what its length field can express.
	ErrTooLong = errors.New("zvt: value too long for its length field")
	// ErrInvalid means a builder was given a value the protocol cannot
	// carry (a negative amount, a password that is not six digits).
	ErrInvalid = errors.New("zvt: invalid argument")
	// ErrTransmission means the serial link gave up on a frame after the
	// repeats the protocol allows (NAKs or missing ACKs). It is always
	// returned together with device.ErrUnavailable.
	ErrTransmission = errors.New("zvt: transmission failed")
)
