package zvtsim

import (
	"slices"
	"testing"
	"time"

	"github.com/fiscald/fiscald/device/zvt"
)

// TestOutcomeCodes pins the ZVT result codes derived from the sandbox table.
func TestOutcomeCodes(t *testing.T) {
	type row struct {
		amount  int64
		result  zvt.ResultCode
		charged int64
		delay   time.Duration
	}
	want := []row{
		{3000010, hostDeclined, 0, 2 * time.Second},
		{3000020, zvt.ResultRemoteNoResponse, 0, time.Minute},
		{3000040, zvt.ResultAborted, 0, 2 * time.Second},
		{3000050, zvt.ResultOK, 3300055, 0},
		{3000060, zvt.ResultOK, 3000060, time.Minute},
		{3000070, zvt.ResultOK, 3000070, 3 * time.Minute},
		{3000080, zvt.ResultOK, 3000080, 6 * time.Minute},
		{3000090, zvt.ResultOK, 1500050, 0},
		{3000030, zvt.ResultOK, 3000030, 2 * time.Second}, // then the link drops
	}
	var got []row
	for _, o := range Outcomes() {
		got = append(got, row{o.Amount, o.Result, o.Charged, o.Delay})
	}
	if !slices.Equal(got, want) {
		t.Errorf("table\n%v\nwant\n%v", got, want)
	}
}
