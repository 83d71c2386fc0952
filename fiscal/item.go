package fiscal

import (
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"

	"github.com/fiscald/fiscald/httpapi/wire"
)

// storedItem is the body of a KindQueueItem entry (JSON). Request and
// Response are the exact bytes received and sent.
type storedItem struct {
	Version       int             `json:"v"`
	QueueItemID   string          `json:"ftQueueItemID"`
	QueueRow      uint64          `json:"ftQueueRow"`
	QueueID       string          `json:"ftQueueID"`
	CashBoxID     string          `json:"ftCashBoxID"`
	OperationID   string          `json:"operationId"`
	PosSystemID   string          `json:"posSystemId"`
	QueueMoment   time.Time       `json:"ftQueueMoment"`
	RequestDigest string          `json:"requestDigest"`
	Request       json.RawMessage `json:"request"`
	Response      json.RawMessage `json:"response"`
	Receipt       bool            `json:"receipt"`
	Queue         queueState      `json:"queue"`
	Market        json.RawMessage `json:"market"`
	MarketState   json.RawMessage `json:"marketState"`
}

// encodeItem writes a queue item body by hand so that the request and
// response bytes are embedded verbatim (encoding/json would re-compact them).
// It returns the body and the offset of the response within it.
func (q *Queue) encodeItem(dst []byte, j *job, st queueState, item itemDraft, res *Result, response []byte) ([]byte, int) {
	b := dst[:0]
	b = append(b, `{"v":1,"ftQueueItemID":"`...)
	b = append(b, item.id...)
	b = append(b, `","ftQueueRow":`...)
	b = strconv.AppendUint(b, item.row, 10)
	b = append(b, `,"ftQueueID":"`...)
	b = append(b, q.ID...)
	b = append(b, `","ftCashBoxID":"`...)
	b = append(b, q.CashBox.ID...)
	b = append(b, `","operationId":`...)
	b = strconv.AppendQuote(b, j.op.key.ID)
	b = append(b, `,"posSystemId":"`...)
	b = append(b, j.posSystemID...)
	b = append(b, `","ftQueueMoment":"`...)
	b = wire.AppendMoment(b, item.moment)
	b = append(b, `","requestDigest":"`...)
	b = hex.AppendEncode(b, j.op.digest[:])
	b = append(b, `","request":`...)
	b = append(b, j.raw...)
	b = append(b, `,"response":`...)
	respOff := len(b)
	b = append(b, response...)
	receipt := res != nil && item.state == 0 && res.Receipt
	b = append(b, `,"receipt":`...)
	b = strconv.AppendBool(b, receipt)
	b = append(b, `,"queue":`...)
	b = st.appendJSON(b)
	b = append(b, `,"market":`...)
	var data []byte
	if res != nil {
		data = res.Data
	}
	b = appendRawOrNull(b, data)
	b = append(b, `,"marketState":`...)
	b = appendRawOrNull(b, q.marketState(res))
	return append(b, '}'), respOff
}

func appendRawOrNull(b, raw []byte) []byte {
	if len(raw) == 0 {
		return append(b, "null"...)
	}
	return append(b, raw...)
}

// storedAction is the body of a KindAction entry.
type storedAction struct {
	Version     int    `json:"v"`
	ID          string `json:"ftActionJournalID"`
	QueueID     string `json:"ftQueueID"`
	QueueItemID string `json:"ftQueueItemID,omitempty"`
	Moment      string `json:"Moment"` // wire.FormatMoment: UTC, milliseconds
	Type        string `json:"Type"`
	Message     string `json:"Message"`
}

func encodeAction(queueID, itemID string, t time.Time, typ, msg string) []byte {
	b, _ := json.Marshal(storedAction{Version: 1, ID: newUUID(), QueueID: queueID, QueueItemID: itemID, Moment: wire.FormatMoment(t), Type: typ, Message: msg})
	return b
}

// appendJSON writes the state as encoding/json would decode it back into a
// queueState (by hand: it runs for every queue item).
func (st queueState) appendJSON(b []byte) []byte {
	b = append(b, `{"row":`...)
	b = strconv.AppendUint(b, st.Row, 10)
	b = append(b, `,"numerator":`...)
	b = strconv.AppendUint(b, st.Numerator, 10)
	b = append(b, `,"started":`...)
	b = strconv.AppendBool(b, st.Started)
	b = append(b, `,"stopped":`...)
	b = strconv.AppendBool(b, st.Stopped)
	b = append(b, `,"lateSigning":`...)
	b = strconv.AppendBool(b, st.LateSigning)
	b = append(b, `,"lastReceiptMoment":"`...)
	b = st.LastMoment.UTC().AppendFormat(b, time.RFC3339Nano)
	return append(b, `"}`...)
}
