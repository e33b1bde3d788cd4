package calc

import (
	"sync"
	"time"
	"unsafe"
)

// Caches that keep one evaluation linear and cheap in the number of households (issue 9). They
// change no result: each returns exactly what the uncached call returns.

// paramKey is one parameter lookup: which parameter (a *Param[T]), how (at or latest), for
// which county and date.
type paramKey struct {
	p      any
	latest bool
	county string
	d      time.Time
}

type paramHit struct {
	v  any
	u  Used
	ok bool
}

// cachedParam memoizes look of p for (county, d) on the evaluation: a parameter's value and
// its Used (with the value formatted) are worked out once per county instead of per record.
func cachedParam[T any](e *eval, p *Param[T], latest bool, county string, d time.Time,
	look func(string, time.Time) (T, Used, bool)) (T, Used, bool) {
	k := paramKey{p: p, latest: latest, county: county, d: d}
	// A small direct-mapped table in front of the map: a rule asks for the same few parameters
	// record after record, and comparing one key is cheaper than hashing it.
	slot := &e.paramSlots[paramSlotOf(uintptr(unsafe.Pointer(p)), latest, county)]
	if slot.set && slot.k == k {
		return slot.h.v.(T), slot.h.u, slot.h.ok
	}
	h, hit := e.params[k]
	if !hit {
		v, u, ok := look(county, d)
		h = paramHit{v: v, u: u, ok: ok}
		if e.params == nil {
			e.params = map[paramKey]paramHit{}
		}
		e.params[k] = h
	}
	*slot = paramSlot{k: k, h: h, set: true}
	return h.v.(T), h.u, h.ok
}

// paramSlot is one entry of the table in front of the parameter cache.
type paramSlot struct {
	k   paramKey
	h   paramHit
	set bool
}

const paramSlots = 64

// paramSlotOf picks the table entry of a lookup.
func paramSlotOf(p uintptr, latest bool, county string) int {
	x := uint64(p>>3) ^ uint64(len(county))<<7
	if latest {
		x ^= 1 << 13
	}
	if len(county) > 0 {
		x ^= uint64(county[len(county)-1]) << 17
	}
	x *= 0x9E3779B97F4A7C15
	return int(x >> 58) // the top 6 bits: 0..63
}

// pAt is p.At(county, d), cached on the evaluation.
func pAt[T any](e *eval, p *Param[T], county string, d time.Time) (T, Used, bool) {
	return cachedParam(e, p, false, county, d, p.At)
}

// pValue is p.Value(county, d), cached on the evaluation.
func pValue[T any](e *eval, p *Param[T], county string, d time.Time) (T, Used) {
	v, u, _ := cachedParam(e, p, false, county, d, p.At)
	return v, u
}

// pLatest is p.Latest(county, d), cached on the evaluation.
func pLatest[T any](e *eval, p *Param[T], county string, d time.Time) (T, Used, bool) {
	return cachedParam(e, p, true, county, d, p.Latest)
}

// ruleIndex maps a rule id to its first entry in Rules.
var (
	ruleIndexOnce sync.Once
	ruleIndex     map[string]int
)

// ruleByIDFast is RuleByID through an index of Rules built once; an id not in the index (Rules
// changed at run time) falls back to the scan.
func ruleByIDFast(id string) (RuleInfo, bool) {
	ruleIndexOnce.Do(func() {
		ruleIndex = make(map[string]int, len(Rules))
		for i, r := range Rules {
			if _, dup := ruleIndex[r.ID]; !dup {
				ruleIndex[r.ID] = i
			}
		}
	})
	if i, ok := ruleIndex[id]; ok && i < len(Rules) && Rules[i].ID == id {
		return Rules[i], true
	}
	for _, r := range Rules {
		if r.ID == id {
			return r, true
		}
	}
	return RuleInfo{}, false
}
