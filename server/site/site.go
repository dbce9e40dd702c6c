// Package site knows where the portal is: its public address, and for each request
// the client's address and whether it came over https, believing forwarding headers
// only from proxies the deployment trusts.
package site

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
)

// Site is one deployment's view of the network.
type Site struct {
	public  *url.URL // nil: every request's own scheme and host
	proxies []netip.Prefix
}

// New parses the public URL (LOMAKE_PUBLIC_URL, e.g. https://asiointi.hel.fi; may be
// empty) and the trusted proxies (LOMAKE_TRUSTED_PROXIES: addresses or CIDR ranges,
// separated by commas or spaces).
func New(publicURL, trustedProxies string) (*Site, error) {
	s := &Site{}
	if publicURL != "" {
		u, err := url.Parse(strings.TrimRight(publicURL, "/"))
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return nil, fmt.Errorf("site: LOMAKE_PUBLIC_URL %q is not an http(s) address like https://asiointi.example.fi", publicURL)
		}
		s.public = u
	}
	for _, f := range strings.FieldsFunc(trustedProxies, func(r rune) bool { return r == ',' || r == ' ' }) {
		p, err := netip.ParsePrefix(f)
		if err != nil {
			a, aerr := netip.ParseAddr(f)
			if aerr != nil {
				return nil, fmt.Errorf("site: LOMAKE_TRUSTED_PROXIES: %q is neither an address nor a CIDR range", f)
			}
			p = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
		}
		s.proxies = append(s.proxies, p.Masked())
	}
	return s, nil
}

// PublicURL is the configured public address without a trailing slash, or "".
func (s *Site) PublicURL() string {
	if s.public == nil {
		return ""
	}
	return s.public.String()
}

// Request is what the site knows of one request.
type Request struct {
	ClientIP string // the browser's address, past trusted proxies
	HTTPS    bool   // the browser reached the portal over https
	Origin   string // the portal's origin as the browser sees it: scheme://host
}

type key struct{}

// Middleware works out the Request and puts it in the context.
func (s *Site) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := s.describe(r)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), key{}, info)))
	})
}

// Of returns the request's Request; without the middleware, what the connection says.
func Of(r *http.Request) Request {
	if info, ok := r.Context().Value(key{}).(Request); ok {
		return info
	}
	return (&Site{}).describe(r)
}

func (s *Site) describe(r *http.Request) Request {
	peer := hostOf(r.RemoteAddr)
	info := Request{ClientIP: peer, HTTPS: r.TLS != nil}
	if s.trusted(peer) {
		// X-Forwarded-For lists the hops; the last one that is not a trusted proxy is
		// the client (anything before it may have been written by the client itself).
		hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			h := strings.TrimSpace(hops[i])
			if _, err := netip.ParseAddr(h); err != nil {
				break
			}
			info.ClientIP = h
			if !s.trusted(h) {
				break
			}
		}
		switch strings.ToLower(strings.TrimSpace(r.Header.Get("X-Forwarded-Proto"))) {
		case "https":
			info.HTTPS = true
		case "http":
			info.HTTPS = false
		}
	}
	scheme := "http"
	if info.HTTPS {
		scheme = "https"
	}
	info.Origin = scheme + "://" + r.Host
	if s.public != nil {
		info.HTTPS = s.public.Scheme == "https"
		info.Origin = s.public.Scheme + "://" + s.public.Host
	}
	return info
}

func (s *Site) trusted(ip string) bool {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range s.proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func hostOf(addr string) string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return host
}

// SecureCookies reports whether cookies set for r must be Secure: always, except for a
// browser on this machine over plain http (`make run`), where browsers would drop them.
func SecureCookies(r *http.Request) bool {
	info := Of(r)
	return info.HTTPS || !isLoopbackHost(r.Host)
}

func isLoopbackHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
