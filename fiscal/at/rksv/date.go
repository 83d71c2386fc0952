package rksv

import (
	"fmt"
	"sync"
	"time"
	_ "time/tzdata" // Europe/Vienna must resolve on hosts without zoneinfo.
)

// dateLayout is the time layout of field 4: local wall-clock time with
// second precision and neither zone nor fraction.
const dateLayout = "2006-01-02T15:04:05"

// vienna loads Europe/Vienna once. The zone database is embedded through
// time/tzdata, so a failure is a broken build rather than a runtime
// condition.
var vienna = sync.OnceValue(func() *time.Location {
	loc, err := time.LoadLocation("Europe/Vienna")
	if err != nil {
		panic(fmt.Sprintf("rksv: Europe/Vienna missing despite embedded tzdata: %v", err))
	}
	return loc
})

// ViennaDate formats t as field 4: the Austrian wall-clock time at which the
// receipt is made, whatever the host's time zone, truncated to the second
// (spec §7.3). Across the end of daylight-saving time the result can run
// backwards; keeping dates non-decreasing is the register's job.
func ViennaDate(t time.Time) string {
	var buf [len(dateLayout) + 8]byte
	return string(t.In(vienna()).AppendFormat(buf[:0], dateLayout))
}

// validDate reports whether s has exactly the shape of field 4 and names a
// real calendar moment.
func validDate(s string) bool {
	if len(s) != len(dateLayout) {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch l := dateLayout[i]; l {
		case '-', 'T', ':':
			if s[i] != l {
				return false
			}
		default:
			if s[i] < '0' || s[i] > '9' {
				return false
			}
		}
	}
	_, err := time.Parse(dateLayout, s)
	return err == nil
}
