//go:build race || asan || msan

package sandbox

// raceEnabled: the sanitizers map terabytes of shadow memory, so the child skips RLIMIT_AS.
const raceEnabled = true
