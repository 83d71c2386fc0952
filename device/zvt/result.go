package zvt

import "fmt"

// ResultCode is the outcome of a transaction or command (BMP 27, the APRC
// of 84 xx, the data of an Abort 06 1E), from PA00P015's error table.
type ResultCode byte

// Result codes the driver branches on. Text covers the rest of the table.
const (
	ResultOK                 ResultCode = 0x00
	ResultCardNotReadable    ResultCode = 0x64
	ResultNotRegistered      ResultCode = 0x6B // function deactivated (PT not registered)
	ResultAborted            ResultCode = 0x6C // abort via timeout or abort key
	ResultWrongCurrency      ResultCode = 0x6F
	ResultProtocolError      ResultCode = 0x9A
	ResultPleaseWait         ResultCode = 0x9C // also "repeat Status-Information" as 84 9C
	ResultRemoteNoResponse   ResultCode = 0xA1
	ResultAlreadyReversed    ResultCode = 0xB4
	ResultReversalImpossible ResultCode = 0xB5
	ResultPrinterNotReady    ResultCode = 0xCC
	ResultOpenBatch          ResultCode = 0xF0 // open end-of-day batch present
	ResultSystemError        ResultCode = 0xFF
)

// Outcome classifies a result code for /pay: what the cashier is told and
// whether a retry with the same card can help.
type Outcome uint8

// Outcomes.
const (
	// OutcomeApproved: the transaction succeeded.
	OutcomeApproved Outcome = iota
	// OutcomeDeclined: the host, the card or the PT's rules refused it;
	// the terminal works, another card or amount may succeed.
	OutcomeDeclined
	// OutcomeCancelled: the customer or cashier aborted, or the PT gave up
	// waiting for them (6C does not tell the two apart).
	OutcomeCancelled
	// OutcomeTimeout: a remote party (the authorisation host) did not
	// answer in time; whether money moved is for the host to say.
	OutcomeTimeout
	// OutcomeTechnical: the terminal, its configuration or its
	// connection failed; retrying will not help until it is fixed.
	OutcomeTechnical
)

// String returns the outcome's name.
func (o Outcome) String() string {
	switch o {
	case OutcomeApproved:
		return "approved"
	case OutcomeDeclined:
		return "declined"
	case OutcomeCancelled:
		return "cancelled"
	case OutcomeTimeout:
		return "timeout"
	}
	return "technical"
}

// Outcome classifies the code.
func (c ResultCode) Outcome() Outcome {
	switch {
	case c == ResultOK:
		return OutcomeApproved
	case c <= 0x63:
		// Host and network-operator codes, decimal 1…99: declines.
		return OutcomeDeclined
	case c == ResultAborted:
		return OutcomeCancelled
	case c == ResultRemoteNoResponse:
		return OutcomeTimeout
	}
	switch c {
	case 0x64, 0x65, 0x67, 0x68, 0x6E, 0x71, 0x72, 0x73, 0x76, 0x78, 0x79,
		0x7A, 0x7B, 0x7C, 0x7E, 0xB4, 0xB5, 0xC3:
		return OutcomeDeclined
	}
	return OutcomeTechnical
}

// Text describes the code in English, for logs and the cashier display.
func (c ResultCode) Text() string {
	if c >= 0x01 && c <= 0x63 {
		return fmt.Sprintf("declined by the authorisation host (code %d)", int(c))
	}
	switch c {
	case 0x00:
		return "no error"
	case 0x64:
		return "card not readable"
	case 0x65:
		return "card data not present"
	case 0x66:
		return "processing error"
	case 0x67:
		return "function not permitted for girocard and Maestro cards"
	case 0x68:
		return "function not permitted for credit and fuel cards"
	case 0x6A:
		return "turnover file full"
	case 0x6B:
		return "function deactivated (PT not registered)"
	case 0x6C:
		return "aborted by timeout or abort key"
	case 0x6E:
		return "card on blocked list"
	case 0x6F:
		return "wrong currency"
	case 0x71:
		return "credit not sufficient"
	case 0x72:
		return "chip error"
	case 0x73:
		return "card data incorrect"
	case 0x74:
		return "DUKPT engine exhausted"
	case 0x75:
		return "text not authentic"
	case 0x76:
		return "PAN not on white list"
	case 0x77:
		return "end-of-day batch not possible"
	case 0x78:
		return "card expired"
	case 0x79:
		return "card not yet valid"
	case 0x7A:
		return "card unknown"
	case 0x7B, 0x7C, 0x7E:
		return "fallback to magnetic stripe not possible"
	case 0x7D:
		return "communication error"
	case 0x83:
		return "function not possible"
	case 0x85:
		return "key missing"
	case 0x89:
		return "PIN pad defective"
	case 0x9A:
		return "ZVT protocol error"
	case 0x9B:
		return "dial-up or communication fault"
	case 0x9C:
		return "please wait"
	case 0xA0:
		return "receiver not ready"
	case 0xA1:
		return "remote station does not respond"
	case 0xA3:
		return "no connection"
	case 0xB1:
		return "memory full"
	case 0xB2:
		return "merchant journal full"
	case 0xB4:
		return "already reversed"
	case 0xB5:
		return "reversal not possible"
	case 0xC2:
		return "diagnosis required"
	case 0xC3:
		return "maximum amount exceeded"
	case 0xCC:
		return "printer not ready"
	case 0xDC:
		return "card inserted"
	case 0xE2:
		return "card reader does not answer"
	case 0xF0:
		return "open end-of-day batch present"
	case 0xF1:
		return "offline error"
	case 0xF5:
		return "OPT error"
	case 0xF6:
		return "OPT data not available"
	case 0xFA:
		return "error transmitting offline transactions"
	case 0xFB:
		return "turnover data set defective"
	case 0xFC:
		return "necessary device not present or defective"
	case 0xFD:
		return "baud rate not supported"
	case 0xFE:
		return "register unknown"
	case 0xFF:
		return "system error"
	}
	return fmt.Sprintf("result code %02X", byte(c))
}

// String returns the code in hex with its text.
func (c ResultCode) String() string { return fmt.Sprintf("%02X (%s)", byte(c), c.Text()) }

// TerminalStatus is the PT's state in the Completion of a Status-Enquiry
// (PA00P015 "terminal status codes"): 00 means ready for payments.
type TerminalStatus byte

// TerminalReady is the status of a PT that accepts payments.
const TerminalReady TerminalStatus = 0x00

// Text describes the status.
func (s TerminalStatus) Text() string {
	switch s {
	case 0x00:
		return "ready"
	case 0x51:
		return "initialisation required"
	case 0x62:
		return "date/time incorrect"
	case 0x9C:
		return "please wait (e.g. software update)"
	case 0xB1:
		return "memory full"
	case 0xB2:
		return "merchant journal full"
	case 0xCC:
		return "printer not ready"
	case 0xDC:
		return "card inserted"
	case 0xDF:
		return "out of order"
	case 0xE1:
		return "card not completely removed"
	case 0xE2:
		return "card reader defective"
	case 0xF0:
		return "reconciliation required"
	case 0xF6:
		return "OPT data missing"
	}
	return fmt.Sprintf("terminal status %02X", byte(s))
}

// String returns the status in hex with its text.
func (s TerminalStatus) String() string { return fmt.Sprintf("%02X (%s)", byte(s), s.Text()) }
