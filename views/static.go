package views

import "embed"

// Static holds the stylesheet and other files served under /static/.
//
//go:embed static
var Static embed.FS
