package bot

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the Prometheus series at /metrics. Each Service has its own registry, so tests
// can run several services in one process.
type metrics struct {
	reg        *prometheus.Registry
	jobs       *prometheus.CounterVec   // by outcome: accepted, duplicate, refused, done, failed, retried, intake_error
	seconds    *prometheus.HistogramVec // processing seconds by kind
	reminders  *prometheus.CounterVec   // by what: sent, deferred, escalated, failed
	summaries  prometheus.Counter
	apiRequest *prometheus.CounterVec // plugin API by path and code
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		jobs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "zengshou_jobs_total",
			Help: "Jobs by outcome (accepted, duplicate, refused, done, failed, retried, intake_error)."}, []string{"outcome"}),
		seconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "zengshou_job_processing_seconds",
			Help: "Seconds from claiming a job to its reply.", Buckets: []float64{0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120}}, []string{"kind"}),
		reminders: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "zengshou_reminders_total",
			Help: "Reminder digests by what happened (sent, deferred, escalated, failed)."}, []string{"what"}),
		summaries: prometheus.NewCounter(prometheus.CounterOpts{Name: "zengshou_summaries_sent_total", Help: "Leader summaries sent."}),
		apiRequest: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "zengshou_api_requests_total",
			Help: "Plugin API requests by path and status code."}, []string{"path", "code"}),
	}
	// Every series exists from the start (at 0), so dashboards and alerts see them before the
	// first event.
	for _, o := range []string{"accepted", "duplicate", "refused", "done", "failed", "retried", "intake_error"} {
		m.jobs.WithLabelValues(o)
	}
	for _, w := range []string{"sent", "deferred", "escalated", "failed"} {
		m.reminders.WithLabelValues(w)
	}
	for _, k := range []string{"file", "text"} {
		m.seconds.WithLabelValues(k)
	}
	m.reg.MustRegister(m.jobs, m.seconds, m.reminders, m.summaries, m.apiRequest,
		prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}
