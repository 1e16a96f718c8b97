// Command etcd is the etcd server of the local cluster, built from the Go
// module proxy: the upstream binary's main package only calls etcdmain.Main,
// and its module (go.etcd.io/etcd/v3) is not served as a buildable command.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
