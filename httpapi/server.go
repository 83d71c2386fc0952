package httpapi

import (
	"crypto/rand"
	"encoding/base32"
	"log/slog"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/fiscald/fiscald/fiscal"
	"github.com/fiscald/fiscald/fiscal/issue"
	"github.com/fiscald/fiscald/fiscal/payment"
)

// APIVersion is the POS System API version fiscald implements.
const APIVersion = "2.1.0"

// maxBody is the request body limit after decoding (§1.5).
const maxBody = 1 << 20

// maxHeaderLine is the longest header value accepted (§1.5).
const maxHeaderLine = 8 << 10

// Options configure the API server.
type Options struct {
	Service *fiscal.Service
	Log     *slog.Logger
	// Registry receives the HTTP metrics; Gatherer serves /metrics (nil:
	// no /metrics route on this listener).
	Registry prometheus.Registerer
	Gatherer prometheus.Gatherer
	// Throttle configures authentication throttling (zero: 10 failures in
	// 60 s block a source address for 60 s).
	Throttle ThrottleOptions
	// Payments serves /v2/pay; nil: no CashBox has payment terminals.
	Payments *payment.Service
	// Issues serves /v2/issue, its delivered status and the receipt
	// pages; nil: /v2/issue is not offered.
	Issues *issue.Service
	// SpoolDir holds market exports while they are built (default: the
	// system temporary directory).
	SpoolDir string
}

// Server is the HTTP API. Build it with New and serve Handler().
type Server struct {
	svc      *fiscal.Service
	payments *payment.Service
	issues   *issue.Service
	log      *slog.Logger
	engine   *gin.Engine
	throttle *throttle
	metrics  *httpMetrics
	spoolDir string
	routes   []Route // for 405's Allow
}

// New builds the API server and its routes.
func New(o Options) *Server {
	gin.SetMode(gin.ReleaseMode)
	s := &Server{
		svc:      o.Service,
		payments: o.Payments,
		issues:   o.Issues,
		log:      o.Log,
		throttle: newThrottle(o.Throttle),
		metrics:  newHTTPMetrics(o.Registry),
		spoolDir: o.SpoolDir,
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	e := gin.New()
	e.RedirectTrailingSlash = false
	e.RedirectFixedPath = false
	e.HandleMethodNotAllowed = true
	e.RemoveExtraSlash = false
	_ = e.SetTrustedProxies(nil)
	e.Use(s.common)
	e.NoRoute(func(c *gin.Context) { s.problem(c, probNotFound, "no such endpoint: "+c.Request.URL.Path, nil) })
	e.NoMethod(func(c *gin.Context) {
		c.Header("Allow", strings.Join(s.allow(c.Request.URL.Path), ", "))
		s.problem(c, probMethod, c.Request.Method+" is not allowed on "+c.Request.URL.Path, nil)
	})
	s.engine = e

	for _, prefix := range []string{"/v2", ""} {
		s.route(http.MethodPost, prefix+"/echo", s.echo)
		s.route(http.MethodPost, prefix+"/sign", s.sign)
		s.route(http.MethodPost, prefix+"/journal", s.journal)
		s.route(http.MethodPost, prefix+"/pay", s.pay)
		s.route(http.MethodPost, prefix+"/issue", s.issue)
		s.route(http.MethodGet, prefix+"/issue/:queue/:item/delivered", s.delivered)
	}
	if s.issues != nil {
		s.route(http.MethodGet, "/receipt/:item/:token", s.page)
	}
	s.route(http.MethodGet, "/v2/openapi.json", s.openAPI)
	if o.Gatherer != nil {
		h := promhttp.HandlerFor(o.Gatherer, promhttp.HandlerOpts{})
		s.route(http.MethodGet, "/metrics", gin.WrapH(h))
	}
	return s
}

// route registers a handler for a path and its one-trailing-slash variant.
func (s *Server) route(method, path string, h gin.HandlerFunc) {
	for _, p := range []string{path, path + "/"} {
		s.engine.Handle(method, p, h)
		s.routes = append(s.routes, Route{Method: method, Path: p})
	}
}

// allow lists the methods registered for a concrete path (the Allow header
// of a 405); ":name" segments match any one segment.
func (s *Server) allow(path string) []string {
	var out []string
	segs := strings.Split(path, "/")
	for _, r := range s.routes {
		pat := strings.Split(r.Path, "/")
		if len(pat) != len(segs) {
			continue
		}
		ok := true
		for i := range pat {
			if pat[i] != segs[i] && !(strings.HasPrefix(pat[i], ":") && segs[i] != "") {
				ok = false
				break
			}
		}
		if ok && !slices.Contains(out, r.Method) {
			out = append(out, r.Method)
		}
	}
	sort.Strings(out)
	return out
}

// Handler returns the http.Handler to serve.
func (s *Server) Handler() http.Handler { return s.engine }

// HTTPServer returns an http.Server for the handler with fiscald's limits.
func (s *Server) HTTPServer() *http.Server {
	return &http.Server{
		Handler:           s.engine,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
}

// common runs first on every request: correlation id, version header,
// header-size limit, panic recovery and metrics.
func (s *Server) common(c *gin.Context) {
	id := newCorrelationID()
	c.Set(keyCorrelation, id)
	c.Header("x-correlation-id", id)
	c.Header("x-api-version", APIVersion)
	start := time.Now()
	defer func() {
		if r := recover(); r != nil {
			if r == http.ErrAbortHandler {
				panic(r) // a deliberate abort: let net/http drop the connection
			}
			s.log.Error("handler panic", "correlation_id", id, "path", c.Request.URL.Path, "panic", r)
			if !c.Writer.Written() {
				s.problem(c, probInternal, "an internal error occurred; the correlationId identifies it in the log", nil)
			}
			c.Abort()
		}
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		s.metrics.observe(route, methodLabel(c.Request.Method), c.Writer.Status(), time.Since(start))
	}()
	for _, vs := range c.Request.Header {
		for _, v := range vs {
			if len(v) > maxHeaderLine {
				s.problem(c, probHeaderTooLarge, "a header line is longer than 8 KiB", nil)
				c.Abort()
				return
			}
		}
	}
	c.Next()
}

const keyCorrelation = "fiscald.correlation"

// methodLabel bounds the method label: clients choose the method string.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodHead, http.MethodOptions, http.MethodPatch:
		return m
	}
	return "other"
}

// newCorrelationID returns a random 26-character id.
func newCorrelationID() string {
	var b [16]byte
	rand.Read(b[:])
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:])[:26]
}

func correlation(c *gin.Context) string { return c.GetString(keyCorrelation) }

// problem writes a problem document that is not stored.
func (s *Server) problem(c *gin.Context, k problemKind, detail string, instanceOp *string) {
	instance := c.Request.URL.Path
	if instanceOp != nil {
		instance += "#op=" + *instanceOp
	}
	body := problemBody(k, detail, instance, correlation(c), nil)
	c.Data(k.Status, contentProblem, body)
	c.Abort()
}

// fail answers with the problem for err (not stored) and logs internal
// failures with the correlation id.
func (s *Server) fail(c *gin.Context, err error, op string) {
	k, detail, errs := problemFor(err)
	switch {
	case k == probPayUnknown:
		// Not a failure of fiscald: the terminal must settle the payment.
		s.log.Warn("payment outcome unknown", "correlation_id", correlation(c), "operation_id", op, "err", err)
		c.Header("Retry-After", "5")
	case k.Status >= 500:
		s.log.Error("request failed", "correlation_id", correlation(c), "path", c.Request.URL.Path, "operation_id", op, "err", err)
		if k == probStorage {
			c.Header("Retry-After", "5")
		}
	}
	body := problemBody(k, detail, c.Request.URL.Path+"#op="+op, correlation(c), errs)
	c.Data(k.Status, contentProblem, body)
	c.Abort()
}

func (s *Server) notImplemented(c *gin.Context) {
	name := strings.Trim(strings.TrimPrefix(c.FullPath(), "/v2"), "/")
	s.problem(c, probNotImplemented, "/"+name+" is not available in this fiscald yet", nil)
}

// Route is one registered method and path.
type Route struct{ Method, Path string }

// Routes lists the registered routes (the OpenAPI test compares them with
// the document).
func (s *Server) Routes() []Route { return slices.Clone(s.routes) }
