// Command pulumi-language-nodejs is this project's Node.js language host for
// the Pulumi engine.
//
// Why it exists: the upstream host lives in its own Go module
// (github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3) and the
// Go module proxy these machines reach refuses every version of it ("403
// Forbidden: This module version is not available", for tags, pseudo-versions
// and commit queries alike; see tools/pulumi-toolchain/README.md). The engine
// and the Node.js SDK are both real and pinned; this host is the thin gRPC glue
// between them. It does what the engine needs for this project and no more:
//
//   - Run: spawn `node <program>/node_modules/@pulumi/pulumi/cmd/run` with the
//     flags and environment the SDK's run script reads (the same contract the
//     upstream host uses), TypeScript through the SDK's ts-node support;
//   - RunPlugin: start policy packs (run-policy-pack) and Node.js plugins
//     (run-plugin) from their own directory, streaming stdout/stderr/exit code;
//   - GetRequiredPlugins/GetRequiredPackages: the resource plugins declared by
//     installed packages (`"pulumi": {"resource": true}` in package.json), so
//     the engine checks up front that the pinned plugins are installed;
//   - About, GetPluginInfo, GetProgramDependencies, InstallDependencies (no-op:
//     `npm ci` owns node_modules), Handshake.
//
// Code generation (`pulumi new`, `convert`, `package gen-sdk`) is not
// implemented and answers Unimplemented.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"google.golang.org/grpc"
	pbempty "google.golang.org/protobuf/types/known/emptypb"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// version is stamped by scripts/bootstrap-pulumi.sh (-ldflags -X main.version=...).
var version = "0.0.0-dev"

// minNodeMajor: @pulumi/pulumi >= 3.249 declares engines.node ">=22".
const minNodeMajor = 22

// userActionableExit is the SDK's exit code for "the error was already logged
// to the user" (nodeJSProcessExitedAfterLoggingUserActionableMessage).
const userActionableExit = 32

func main() {
	engineAddress := ""
	for _, a := range os.Args[1:] {
		// The engine passes flags (-v=N, --logtostderr, --tracing ...) and the
		// engine address as the last positional argument.
		if !strings.HasPrefix(a, "-") {
			engineAddress = a
		}
	}

	host := &nodeHost{engineAddress: engineAddress, children: map[*os.Process]struct{}{}}

	// Stop (and stop the programs we started) on SIGINT/SIGTERM, and when the
	// engine is gone: an engine killed with SIGKILL cannot stop its plugins,
	// and without this check the host would serve forever as an orphan.
	ctx, engineGone := context.WithCancel(context.Background())
	if engineAddress != "" {
		if err := rpcutil.Healthcheck(ctx, engineAddress, time.Minute, engineGone); err != nil {
			fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: cannot watch the engine at %s: %v\n", engineAddress, err)
			os.Exit(1)
		}
	}
	cancel := make(chan bool)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		select {
		case <-sigs:
		case <-ctx.Done():
		}
		host.killChildren()
		close(cancel)
	}()

	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancel,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
		Options: rpcutil.TracingServerInterceptorOptions(nil),
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: could not start the gRPC server: %v\n", err)
		os.Exit(1)
	}
	// The engine reads the port from our first line of stdout.
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: gRPC server stopped: %v\n", err)
		os.Exit(1)
	}
}

type nodeHost struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	engineAddress string

	mu       sync.Mutex
	children map[*os.Process]struct{}
}

func (h *nodeHost) track(p *os.Process) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.children[p] = struct{}{}
}

func (h *nodeHost) untrack(p *os.Process) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.children, p)
}

func (h *nodeHost) killChildren() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for p := range h.children {
		_ = p.Kill()
	}
}

func (h *nodeHost) Handshake(_ context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	if req.GetEngineAddress() != "" {
		h.engineAddress = req.GetEngineAddress()
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *nodeHost) GetPluginInfo(context.Context, *pbempty.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

// nodeBinary finds `node` on PATH and checks it is new enough: a Node 20 on
// PATH (Debian's /usr/bin/node here) fails @pulumi/pulumi in obscure ways, so
// say which node was found and how to get the right one.
func nodeBinary() (string, error) {
	path, err := exec.LookPath("node")
	if err != nil {
		return "", errors.New("pulumi-language-nodejs: no `node` on PATH; source scripts/pulumi-env.sh " +
			"(it puts the project's pinned Node 24 from node_modules/.bin first on PATH)")
	}
	out, err := exec.Command(path, "--version").Output()
	if err != nil {
		return "", fmt.Errorf("pulumi-language-nodejs: `%s --version` failed: %w", path, err)
	}
	v := strings.TrimSpace(string(out))
	major, convErr := strconv.Atoi(strings.SplitN(strings.TrimPrefix(v, "v"), ".", 2)[0])
	if convErr != nil || major < minNodeMajor {
		return "", fmt.Errorf("pulumi-language-nodejs: node %s at %s is too old: @pulumi/pulumi needs node >=%d; "+
			"source scripts/pulumi-env.sh or run through npm (the project's node@24 devDependency)", v, path, minNodeMajor)
	}
	return path, nil
}

// options reads the runtime options of Pulumi.yaml (`runtime: {name: nodejs, options: {...}}`).
type options struct {
	typescript bool
	tsconfig   string
	nodeargs   []string
}

func parseOptions(info *pulumirpc.ProgramInfo) options {
	o := options{typescript: true}
	if info == nil || info.GetOptions() == nil {
		return o
	}
	m := info.GetOptions().AsMap()
	if v, ok := m["typescript"].(bool); ok {
		o.typescript = v
	}
	if v, ok := m["tsconfig"].(string); ok {
		o.tsconfig = v
	}
	if v, ok := m["nodeargs"].(string); ok && strings.TrimSpace(v) != "" {
		o.nodeargs = strings.Fields(v)
	}
	return o
}

// sdkScript resolves a script of the installed @pulumi/pulumi from dir upwards,
// like Node's own module resolution.
func sdkScript(dir, script string) (string, error) {
	d := dir
	for {
		candidate := filepath.Join(d, "node_modules", "@pulumi", "pulumi", "cmd", script)
		if st, err := os.Stat(candidate); err == nil && st.IsDir() {
			return candidate, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("pulumi-language-nodejs: @pulumi/pulumi/cmd/%s not found from %s upwards: "+
				"run `npm ci` in the project (and in the policy pack) first", script, dir)
		}
		d = parent
	}
}

func (h *nodeHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	nodePath, err := nodeBinary()
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	info := req.GetInfo()
	programDir := req.GetPwd()
	entry := "."
	rootDir := ""
	if info != nil {
		if info.GetProgramDirectory() != "" {
			programDir = info.GetProgramDirectory()
		}
		if info.GetEntryPoint() != "" {
			entry = info.GetEntryPoint()
		}
		rootDir = info.GetRootDirectory()
	}
	runPath, err := sdkScript(programDir, "run")
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	opts := parseOptions(info)

	args := append([]string{}, opts.nodeargs...)
	args = append(args, runPath)
	add := func(k, v string) {
		if v != "" {
			args = append(args, "--"+k, v)
		}
	}
	add("monitor", req.GetMonitorAddress())
	add("engine", h.engineAddress)
	add("organization", req.GetOrganization())
	add("project", req.GetProject())
	add("root-directory", rootDir)
	add("stack", req.GetStack())
	add("pwd", programDir)
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	add("parallel", strconv.Itoa(int(req.GetParallel())))
	args = append(args, entry)
	args = append(args, req.GetArgs()...)

	config, err := json.Marshal(req.GetConfig())
	if err != nil {
		return nil, fmt.Errorf("serializing config: %w", err)
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secretKeysJSON, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, fmt.Errorf("serializing config secret keys: %w", err)
	}

	env := os.Environ()
	env = append(env,
		"PULUMI_CONFIG="+string(config),
		"PULUMI_CONFIG_SECRET_KEYS="+string(secretKeysJSON),
		"PULUMI_NODEJS_TYPESCRIPT="+strconv.FormatBool(opts.typescript),
	)
	if opts.tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+opts.tsconfig)
	}

	cmd := exec.Command(nodePath, args...)
	cmd.Dir = programDir
	cmd.Env = env
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not start node: %v", err)}, nil
	}
	h.track(cmd.Process)
	defer h.untrack(cmd.Process)
	stop := context.AfterFunc(ctx, func() { _ = cmd.Process.Kill() })
	defer stop()

	if err := cmd.Wait(); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			if exitErr.ExitCode() == userActionableExit {
				// The program already reported its error through the engine.
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			return &pulumirpc.RunResponse{
				Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exitErr.ExitCode()),
			}, nil
		}
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("Problem executing program: %v", err)}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

// RunPlugin runs a Node.js plugin from its directory: a policy pack
// (PulumiPolicy.yaml, kind "analyzer") through @pulumi/pulumi/cmd/run-policy-pack,
// anything else through @pulumi/pulumi/cmd/run-plugin. The plugin prints its
// gRPC port on stdout, which the engine reads from the stream.
func (h *nodeHost) RunPlugin(req *pulumirpc.RunPluginRequest,
	server grpc.ServerStreamingServer[pulumirpc.RunPluginResponse],
) error {
	nodePath, err := nodeBinary()
	if err != nil {
		return err
	}
	info := req.GetInfo()
	pluginDir := req.GetPwd()
	entry := "."
	if info != nil {
		if info.GetProgramDirectory() != "" {
			pluginDir = info.GetProgramDirectory()
		}
		if info.GetEntryPoint() != "" {
			entry = info.GetEntryPoint()
		}
	}
	script := "run-plugin"
	if req.GetKind() == "analyzer" {
		script = "run-policy-pack"
	}
	scriptPath, err := sdkScript(pluginDir, script)
	if err != nil {
		return err
	}
	opts := parseOptions(info)
	args := append([]string{}, opts.nodeargs...)
	args = append(args, scriptPath)
	args = append(args, req.GetArgs()...)
	args = append(args, entry)

	cmd := exec.Command(nodePath, args...)
	cmd.Dir = pluginDir
	cmd.Env = append(os.Environ(), req.GetEnv()...)
	cmd.Env = append(cmd.Env, "PULUMI_NODEJS_TYPESCRIPT="+strconv.FormatBool(opts.typescript))
	if opts.tsconfig != "" {
		cmd.Env = append(cmd.Env, "PULUMI_NODEJS_TSCONFIG_PATH="+opts.tsconfig)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("could not start node: %w", err)
	}
	h.track(cmd.Process)
	defer h.untrack(cmd.Process)
	stop := context.AfterFunc(server.Context(), func() { _ = cmd.Process.Kill() })
	defer stop()

	var sendMu sync.Mutex
	send := func(r *pulumirpc.RunPluginResponse) {
		sendMu.Lock()
		defer sendMu.Unlock()
		_ = server.Send(r)
	}
	var wg sync.WaitGroup
	pump := func(r io.Reader, wrap func([]byte) *pulumirpc.RunPluginResponse) {
		defer wg.Done()
		buf := make([]byte, 32*1024)
		for {
			n, err := r.Read(buf)
			if n > 0 {
				send(wrap(bytes.Clone(buf[:n])))
			}
			if err != nil {
				return
			}
		}
	}
	wg.Add(2)
	go pump(stdout, func(b []byte) *pulumirpc.RunPluginResponse {
		return &pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stdout{Stdout: b}}
	})
	go pump(stderr, func(b []byte) *pulumirpc.RunPluginResponse {
		return &pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stderr{Stderr: b}}
	})
	wg.Wait()

	code := 0
	if err := cmd.Wait(); err != nil {
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) {
			return err
		}
		code = exitErr.ExitCode()
	}
	send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: int32(code)}})
	return nil
}

type packageJSON struct {
	Name            string            `json:"name"`
	Version         string            `json:"version"`
	Dependencies    map[string]string `json:"dependencies"`
	DevDependencies map[string]string `json:"devDependencies"`
	Pulumi          struct {
		Resource bool   `json:"resource"`
		Name     string `json:"name"`
		Version  string `json:"version"`
		Server   string `json:"server"`
	} `json:"pulumi"`
}

func readPackageJSON(path string) (*packageJSON, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var p packageJSON
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &p, nil
}

// findNodeModules walks up from dir to the first node_modules directory.
func findNodeModules(dir string) string {
	d := dir
	for {
		nm := filepath.Join(d, "node_modules")
		if st, err := os.Stat(nm); err == nil && st.IsDir() {
			return nm
		}
		parent := filepath.Dir(d)
		if parent == d {
			return ""
		}
		d = parent
	}
}

// resourcePlugins lists the provider plugins that installed packages ask for,
// scanning node_modules/<pkg> and node_modules/@scope/<pkg> (one level: this
// project installs flat with npm).
func resourcePlugins(dir string) ([]*pulumirpc.PackageDependency, error) {
	nm := findNodeModules(dir)
	if nm == "" {
		return nil, nil
	}
	var pkgDirs []string
	entries, err := os.ReadDir(nm)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") {
			continue
		}
		if strings.HasPrefix(name, "@") {
			scoped, err := os.ReadDir(filepath.Join(nm, name))
			if err != nil {
				continue
			}
			for _, s := range scoped {
				pkgDirs = append(pkgDirs, filepath.Join(nm, name, s.Name()))
			}
			continue
		}
		pkgDirs = append(pkgDirs, filepath.Join(nm, name))
	}
	seen := map[string]bool{}
	var deps []*pulumirpc.PackageDependency
	for _, d := range pkgDirs {
		p, err := readPackageJSON(filepath.Join(d, "package.json"))
		if err != nil || !p.Pulumi.Resource {
			continue
		}
		name := p.Pulumi.Name
		if name == "" {
			name = strings.TrimPrefix(strings.TrimPrefix(p.Name, "@pulumi/"), "@")
		}
		v := p.Pulumi.Version
		if v == "" {
			v = p.Version
		}
		if !strings.HasPrefix(v, "v") {
			v = "v" + v
		}
		key := name + "@" + v
		if seen[key] {
			continue
		}
		seen[key] = true
		deps = append(deps, &pulumirpc.PackageDependency{
			Name: name, Kind: "resource", Version: v, Server: p.Pulumi.Server,
		})
	}
	sort.Slice(deps, func(i, j int) bool { return deps[i].Name < deps[j].Name })
	return deps, nil
}

func programDirOf(info *pulumirpc.ProgramInfo, fallback string) string {
	if info != nil && info.GetProgramDirectory() != "" {
		return info.GetProgramDirectory()
	}
	return fallback
}

func (h *nodeHost) GetRequiredPackages(_ context.Context, req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	deps, err := resourcePlugins(programDirOf(req.GetInfo(), "."))
	if err != nil {
		return nil, err
	}
	return &pulumirpc.GetRequiredPackagesResponse{Packages: deps}, nil
}

func (h *nodeHost) GetRequiredPlugins(_ context.Context, req *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	deps, err := resourcePlugins(programDirOf(req.GetInfo(), req.GetProgram()))
	if err != nil {
		return nil, err
	}
	plugins := make([]*pulumirpc.PluginDependency, 0, len(deps))
	for _, d := range deps {
		plugins = append(plugins, &pulumirpc.PluginDependency{
			Name: d.Name, Kind: d.Kind, Version: d.Version, Server: d.Server,
		})
	}
	return &pulumirpc.GetRequiredPluginsResponse{Plugins: plugins}, nil
}

func (h *nodeHost) GetProgramDependencies(_ context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	dir := programDirOf(req.GetInfo(), req.GetPwd())
	p, err := readPackageJSON(filepath.Join(dir, "package.json"))
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(p.Dependencies)+len(p.DevDependencies))
	for n := range p.Dependencies {
		names = append(names, n)
	}
	if req.GetTransitiveDependencies() {
		for n := range p.DevDependencies {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	nm := findNodeModules(dir)
	var out []*pulumirpc.DependencyInfo
	for _, n := range names {
		v := p.Dependencies[n]
		if v == "" {
			v = p.DevDependencies[n]
		}
		if nm != "" {
			if installed, err := readPackageJSON(filepath.Join(nm, n, "package.json")); err == nil {
				v = installed.Version
			}
		}
		out = append(out, &pulumirpc.DependencyInfo{Name: n, Version: v})
	}
	return &pulumirpc.GetProgramDependenciesResponse{Dependencies: out}, nil
}

func (h *nodeHost) About(context.Context, *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	nodePath, err := nodeBinary()
	if err != nil {
		return nil, err
	}
	out, err := exec.Command(nodePath, "--version").Output()
	if err != nil {
		return nil, err
	}
	return &pulumirpc.AboutResponse{
		Executable: nodePath,
		Version:    strings.TrimPrefix(strings.TrimSpace(string(out)), "v"),
		Metadata:   map[string]string{"host": "openclaw-gateway-infra pulumi-language-nodejs " + version},
	}, nil
}

// InstallDependencies is deliberately a no-op that says so: node_modules is
// installed from the lockfile by `npm ci` (see .ci/run), never by the engine.
func (h *nodeHost) InstallDependencies(_ *pulumirpc.InstallDependenciesRequest,
	server grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse],
) error {
	w := bufio.NewWriter(&streamWriter{server: server})
	fmt.Fprintln(w, "pulumi-language-nodejs: dependencies are installed with `npm ci`; nothing to do")
	return w.Flush()
}

type streamWriter struct {
	server grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse]
}

func (s *streamWriter) Write(p []byte) (int, error) {
	if err := s.server.Send(&pulumirpc.InstallDependenciesResponse{Stdout: bytes.Clone(p)}); err != nil {
		return 0, err
	}
	return len(p), nil
}
