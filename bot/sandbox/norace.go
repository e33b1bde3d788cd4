//go:build !race && !asan && !msan

package sandbox

const raceEnabled = false
