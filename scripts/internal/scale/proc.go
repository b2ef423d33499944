package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// watchProviders polls /proc for the provider processes the CLI process cliPID starts (its children
// whose executable is a terraform-provider-*) and keeps the last VmHWM read of each. The returned
// function stops the polling and gives the largest, in KiB. The CLI starts a provider more than once
// per command (schema, validation, plan); the peak is the largest of them. VmHWM only grows, so a poll
// that misses the very last moments of a process misses at most what it grew in them.
func watchProviders(cliPID int) (peak func() int64) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	last := map[int]int64{}
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(25 * time.Millisecond)
		defer tick.Stop()
		for {
			for _, pid := range providerChildren(cliPID) {
				if kb, ok := vmHWM(pid); ok {
					last[pid] = kb
				}
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() int64 {
		close(done)
		wg.Wait()
		var most int64
		for _, kb := range last {
			most = max(most, kb)
		}
		return most
	}
}

func providerChildren(parent int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		exe, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
		if err != nil || !strings.HasPrefix(filepath.Base(exe), "terraform-provider-") {
			continue
		}
		// Someone else's provider (another run on this machine) is not ours to measure.
		if ppid(pid) == parent {
			pids = append(pids, pid)
		}
	}
	return pids
}

// ppid reads the parent from /proc/PID/stat, whose second field (the name) may hold spaces and
// parentheses: the fields after the last ')' are state, then ppid.
func ppid(pid int) int {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return -1
	}
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 2 {
		return -1
	}
	n, err := strconv.Atoi(fields[1])
	if err != nil {
		return -1
	}
	return n
}

func vmHWM(pid int) (int64, bool) {
	return statusField(filepath.Join("/proc", strconv.Itoa(pid), "status"), "VmHWM:")
}

// statusField reads a "Name:   123 kB" line of a /proc file.
func statusField(path, name string) (int64, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, name); ok {
			n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}

func memTotal() string {
	kb, ok := statusField("/proc/meminfo", "MemTotal:")
	if !ok {
		return "unknown"
	}
	return strconv.FormatFloat(float64(kb)/(1<<20), 'f', 1, 64) + " GiB"
}

func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
