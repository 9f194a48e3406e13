// Command etcd is etcd's own entry point, built as a dependency of this module
// (etcd's server/go.mod uses local replaces, so `go install` of it cannot work).
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
