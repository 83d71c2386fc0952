package httpapi_test

import (
	"strconv"
	"testing"
)

func TestOpenAPIProbe(t *testing.T) {
	e := newEnv(t, envOptions{})
	b := e.Boxes[0]
	show := func(name string, r resp) { t.Logf("%s: %d %v\n%s", name, r.Status, r.Header, r.Body) }
	show("echo", e.post(b, "/v2/echo", `{"Message":"hi"}`))
	show("sign-before-start", e.post(b, "/v2/sign", receipt("x", casePOS, sale("7.80", "14.90"))))
	show("start", e.post(b, "/v2/sign", receipt("start", caseStart, "")))
	show("pos", e.post(b, "/v2/sign", `{"cbTerminalID":"T1",`+receipt("r1", casePOS, sale("7.80", "14.90"))[1:]))
	show("400", e.post(b, "/v2/sign", `{"cbReceiptReference":"x"}`))
	show("422", e.post(b, "/v2/sign", receipt("de", 4919373352344223745, "")))
	show("daily", e.post(b, "/v2/sign", receipt("d", caseDaily, "")))
	for _, jt := range []uint64{0, 1, 2, 3, 255, atDEP7, atDEP7v2, 4919338167972134914, 4} {
		show("journal "+strconv.FormatUint(jt, 10), e.post(b, "/v2/journal", `{"ftJournalType":`+strconv.FormatUint(jt, 10)+`}`))
	}
	show("pay", e.post(b, "/v2/pay", `{}`))
	show("delivered", e.do("GET", "/v2/issue/a/b/delivered", nil, nil))
	show("405", e.do("GET", "/v2/sign", nil, nil))
	show("404", e.do("GET", "/v2/nothing", nil, nil))
	show("405-delivered", e.do("POST", "/v2/issue/a/b/delivered", nil, nil))
	show("405-delivered-slash", e.do("POST", "/issue/a/b/delivered/", nil, nil))
	show("405-openapi", e.do("POST", "/v2/openapi.json", nil, nil))
	show("head", e.do("HEAD", "/v2/openapi.json", nil, nil))
	show("replay1", e.postOp(b, "/v2/sign", "op-1", receipt("z", caseZero, "")))
	show("openapi-notrail", e.do("GET", "/openapi.json", nil, nil))
}
