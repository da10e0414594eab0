package main

import "runtime/debug"

// version is the release version, set at build time with
// -ldflags "-X main.version=v1.2.3".
var version string

// buildVersion returns version, else the main module's version recorded
// by the Go toolchain, else "dev".
func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}
