//go:build race

package harden

// raceBuild reports a race-detector build.
const raceBuild = true
