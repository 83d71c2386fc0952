package zvt

import "fmt"

// Code is an APDU's control field as one number: CLASS<<8 | INSTR for a
// command, CCRC<<8 | APRC for a response.
type Code uint16

// Control fields fiscald sends or must understand (§1.3).
const (
	CodeStatusInfo         Code = 0x040F // Status-Information, PT→ECR
	CodeIntermediateStatus Code = 0x04FF // Intermediate-Status, PT→ECR
	CodeStatusEnquiry      Code = 0x0501
	CodeRegistration       Code = 0x0600
	CodeAuthorisation      Code = 0x0601
	CodeLogOff             Code = 0x0602
	CodeCompletion         Code = 0x060F // PT→ECR, returns master rights
	CodeResetTerminal      Code = 0x0618
	CodeAbort              Code = 0x061E // Abort from the PT, PT→ECR
	CodeRepeatReceipt      Code = 0x0620
	CodeReversal           Code = 0x0630
	CodeRefund             Code = 0x0631
	CodeEndOfDay           Code = 0x0650
	CodeDiagnosis          Code = 0x0670
	CodeInitialisation     Code = 0x0693
	CodeAbortCommand       Code = 0x06B0 // Abort from the ECR, ECR→PT
	CodePrintLine          Code = 0x06D1 // PT→ECR
	CodePrintTextBlock     Code = 0x06D3 // PT→ECR
	CodePositive           Code = 0x8000 // positive response "80 00"
)

// Response classes (CCRC).
const (
	ccrcPositive = 0x80
	ccrcNegative = 0x84
)

// String names the command, or gives the hex value of an unknown one.
func (c Code) String() string {
	switch c {
	case CodeStatusInfo:
		return "Status-Information"
	case CodeIntermediateStatus:
		return "Intermediate-Status"
	case CodeStatusEnquiry:
		return "Status-Enquiry"
	case CodeRegistration:
		return "Registration"
	case CodeAuthorisation:
		return "Authorisation"
	case CodeLogOff:
		return "Log-Off"
	case CodeCompletion:
		return "Completion"
	case CodeResetTerminal:
		return "Reset-Terminal"
	case CodeAbort:
		return "Abort"
	case CodeRepeatReceipt:
		return "Repeat-Receipt"
	case CodeReversal:
		return "Reversal"
	case CodeRefund:
		return "Refund"
	case CodeEndOfDay:
		return "End-of-Day"
	case CodeDiagnosis:
		return "Diagnosis"
	case CodeInitialisation:
		return "Initialisation"
	case CodeAbortCommand:
		return "Abort-Command"
	case CodePrintLine:
		return "Print-Line"
	case CodePrintTextBlock:
		return "Print-Text-Block"
	case CodePositive:
		return "positive response"
	}
	if c>>8 == ccrcNegative {
		return fmt.Sprintf("negative response %02X", byte(c))
	}
	return fmt.Sprintf("command %04X", uint16(c))
}

// IsPositive reports whether a is a positive response: 80 00, or 84 00,
// which the specification also allows to mean "positive".
func (a APDU) IsPositive() bool {
	return a.Class == ccrcPositive || (a.Class == ccrcNegative && a.Instr == 0)
}

// IsNegative reports whether a is a negative response 84 xx (xx ≠ 00);
// ResponseCode then says why.
func (a APDU) IsNegative() bool { return a.Class == ccrcNegative && a.Instr != 0 }

// ResponseCode is the error ID of a negative response (its APRC), taken
// from the result-code table. It is 00 for anything else.
func (a APDU) ResponseCode() ResultCode {
	if a.IsNegative() {
		return ResultCode(a.Instr)
	}
	return ResultOK
}

// Ack returns the positive response 80 00 00 with which the ECR answers
// every PT→ECR command. Answering a Status-Information with it makes the
// payment final (§1.10), so send it only after the result is durable.
func Ack() APDU { return APDU{Class: ccrcPositive} }

// Nack returns the negative response 84 xx 00, e.g. 84 CC 00 when the
// ECR's printer cannot take a Print-Line.
func Nack(code ResultCode) APDU { return APDU{Class: ccrcNegative, Instr: byte(code)} }
