// Command probe is the network probe of the local cluster's self-test
// (tools/cluster/selftest.sh): a static binary in a tiny image, so pods can
// test DNS and TCP reachability without pulling an image from a registry.
//
//	probe lookup NAME            print NAME's addresses; exit 1 when it does not resolve
//	probe connect HOST:PORT SECS exit 0 when a TCP connection opens within SECS seconds
//	probe serve PORT             accept TCP connections on PORT, answer "ok", until killed
package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	switch os.Args[1] {
	case "lookup":
		if len(os.Args) != 3 {
			usage()
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		addrs, err := net.DefaultResolver.LookupHost(ctx, os.Args[2])
		if err != nil {
			fmt.Fprintf(os.Stderr, "lookup %s: %v\n", os.Args[2], err)
			os.Exit(1)
		}
		fmt.Println(addrs)
	case "connect":
		if len(os.Args) != 4 {
			usage()
		}
		secs, err := strconv.Atoi(os.Args[3])
		if err != nil {
			usage()
		}
		conn, err := net.DialTimeout("tcp", os.Args[2], time.Duration(secs)*time.Second)
		if err != nil {
			fmt.Fprintf(os.Stderr, "connect %s: %v\n", os.Args[2], err)
			os.Exit(1)
		}
		fmt.Printf("connected %s -> %s\n", conn.LocalAddr(), conn.RemoteAddr())
		_ = conn.Close()
	case "serve":
		if len(os.Args) != 3 {
			usage()
		}
		ln, err := net.Listen("tcp", ":"+os.Args[2])
		if err != nil {
			fmt.Fprintf(os.Stderr, "listen: %v\n", err)
			os.Exit(1)
		}
		go func() {
			for {
				conn, err := ln.Accept()
				if err != nil {
					return
				}
				_, _ = conn.Write([]byte("ok\n"))
				_ = conn.Close()
			}
		}()
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
		<-sig
	default:
		usage()
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: probe lookup NAME | probe connect HOST:PORT SECONDS | probe serve PORT")
	os.Exit(2)
}
