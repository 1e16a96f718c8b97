// Command pulumi-resource-command serves the resources of @pulumi/command 1.2.1
// that this project uses, registered with the engine as resource plugin
// "command" 1.2.1.
//
// Why it exists: the upstream provider (github.com/pulumi/pulumi-command/provider)
// is refused by the Go module proxy these machines reach ("403 Forbidden: This
// module version is not available" for the version list and every commit
// query; see tools/pulumi-toolchain/README.md). The Node.js SDK stays the
// upstream @pulumi/command; this binary implements its wire contract:
//
//   - command:remote:Command       create/update/delete run over SSH
//     (golang.org/x/crypto/ssh), environment via Setenv (needs AcceptEnv on
//     the server), stdin, triggers (replace), addPreviousOutputInEnv,
//     connection {host, port, user, privateKey, privateKeyPassword, password,
//     hostKey, dialErrorLimit, perDialTimeout}; the host key is checked only
//     when connection.hostKey is set, as upstream does;
//   - command:remote:CopyToRemote  a file asset written to remotePath, or an
//     archive / directory unpacked there (tar over the SSH session);
//   - command:local:Command        create/update/delete run with /bin/sh -c.
//
// Not implemented (an error names the key): connection.proxy,
// connection.agentSocketPath, the `interpreter`/`dir`/`assetPaths` options of
// local commands, and the invoke functions (command:local:run,
// command:remote:...). Output is captured, not streamed (`logging` is accepted).
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/crypto/ssh"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	pbempty "google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/archive"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// version is stamped by scripts/bootstrap-pulumi.sh: the @pulumi/command version served.
var version = "1.2.1"

const (
	typeRemoteCommand = "command:remote:Command"
	typeCopyToRemote  = "command:remote:CopyToRemote"
	typeLocalCommand  = "command:local:Command"
)

func main() {
	// The engine passes its address as the last argument (flags such as -v=9 may precede it).
	engineAddress := ""
	for _, a := range os.Args[1:] {
		if !strings.HasPrefix(a, "-") {
			engineAddress = a
		}
	}
	// Stop on SIGINT/SIGTERM, and when the engine is gone (as upstream providers
	// do): an engine killed with SIGKILL cannot stop its plugins.
	ctx, engineGone := context.WithCancel(context.Background())
	if engineAddress != "" {
		if err := rpcutil.Healthcheck(ctx, engineAddress, time.Minute, engineGone); err != nil {
			fmt.Fprintf(os.Stderr, "pulumi-resource-command: cannot watch the engine at %s: %v\n", engineAddress, err)
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
		close(cancel)
	}()
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancel,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterResourceProviderServer(srv, &provider{})
			return nil
		},
		Options: rpcutil.TracingServerInterceptorOptions(nil),
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-resource-command: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-resource-command: %v\n", err)
		os.Exit(1)
	}
}

type provider struct {
	pulumirpc.UnimplementedResourceProviderServer
}

var marshalOpts = plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, SkipNulls: true, KeepResources: true}

func unmarshal(s *structpb.Struct) (resource.PropertyMap, error) {
	if s == nil {
		return resource.PropertyMap{}, nil
	}
	return plugin.UnmarshalProperties(s, marshalOpts)
}

func marshal(m resource.PropertyMap) (*structpb.Struct, error) {
	return plugin.MarshalProperties(m, marshalOpts)
}

func typeOf(urn string) string {
	return string(resource.URN(urn).Type())
}

func (p *provider) GetPluginInfo(context.Context, *pbempty.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

func (p *provider) GetSchema(context.Context, *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	return &pulumirpc.GetSchemaResponse{Schema: fmt.Sprintf(`{"name":"command","version":%q}`, version)}, nil
}

func (p *provider) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

func (p *provider) DiffConfig(context.Context, *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
}

func (p *provider) Configure(context.Context, *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	return &pulumirpc.ConfigureResponse{AcceptSecrets: true, SupportsPreview: true, AcceptResources: true}, nil
}

func (p *provider) Cancel(context.Context, *pbempty.Empty) (*pbempty.Empty, error) {
	return &pbempty.Empty{}, nil
}

// ---- property helpers -------------------------------------------------------

func plain(v resource.PropertyValue) resource.PropertyValue {
	for v.IsSecret() {
		v = v.SecretValue().Element
	}
	return v
}

func str(m resource.PropertyMap, key string) string {
	v, ok := m[resource.PropertyKey(key)]
	if !ok {
		return ""
	}
	v = plain(v)
	if v.IsString() {
		return v.StringValue()
	}
	return ""
}

func num(m resource.PropertyMap, key string, def float64) float64 {
	v, ok := m[resource.PropertyKey(key)]
	if !ok {
		return def
	}
	v = plain(v)
	if v.IsNumber() {
		return v.NumberValue()
	}
	return def
}

func boolean(m resource.PropertyMap, key string, def bool) bool {
	v, ok := m[resource.PropertyKey(key)]
	if !ok {
		return def
	}
	v = plain(v)
	if v.IsBool() {
		return v.BoolValue()
	}
	return def
}

func object(m resource.PropertyMap, key string) resource.PropertyMap {
	v, ok := m[resource.PropertyKey(key)]
	if !ok {
		return nil
	}
	v = plain(v)
	if v.IsObject() {
		return v.ObjectValue()
	}
	return nil
}

func env(m resource.PropertyMap) map[string]string {
	out := map[string]string{}
	for k, v := range object(m, "environment") {
		v = plain(v)
		if v.IsString() {
			out[string(k)] = v.StringValue()
		}
	}
	return out
}

// ---- lifecycle -------------------------------------------------------------

func (p *provider) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	var failures []*pulumirpc.CheckFailure
	fail := func(prop, reason string) {
		failures = append(failures, &pulumirpc.CheckFailure{Property: prop, Reason: reason})
	}
	t := typeOf(req.GetUrn())
	switch t {
	case typeRemoteCommand, typeCopyToRemote:
		if v, ok := news["connection"]; ok && !v.ContainsUnknowns() {
			conn := object(news, "connection")
			if conn == nil || str(conn, "host") == "" {
				fail("connection.host", "connection.host is required: the SSH host to run on")
			}
			if conn != nil && str(conn, "proxy") != "" || conn != nil && object(conn, "proxy") != nil {
				fail("connection.proxy", "connection.proxy is not supported by this project's command provider build; connect directly")
			}
			if conn != nil && str(conn, "agentSocketPath") != "" {
				fail("connection.agentSocketPath", "connection.agentSocketPath is not supported by this build; set connection.privateKey")
			}
		} else if !ok {
			fail("connection", "connection is required")
		}
		if t == typeCopyToRemote {
			if _, ok := news["source"]; !ok {
				fail("source", "source is required: a pulumi.asset.FileAsset/StringAsset or an archive")
			}
			if _, ok := news["remotePath"]; !ok {
				fail("remotePath", "remotePath is required")
			}
		}
	case typeLocalCommand:
		for _, k := range []string{"interpreter", "dir", "assetPaths", "archivePaths"} {
			if _, ok := news[resource.PropertyKey(k)]; ok {
				fail(k, k+" is not supported by this project's command provider build")
			}
		}
	default:
		return nil, status.Errorf(codes.InvalidArgument, "unknown resource type %q (this build serves %s, %s, %s)",
			t, typeRemoteCommand, typeCopyToRemote, typeLocalCommand)
	}
	return &pulumirpc.CheckResponse{Inputs: req.GetNews(), Failures: failures}, nil
}

// outputKeys are computed by the provider and never part of a diff.
var outputKeys = map[resource.PropertyKey]bool{"stdout": true, "stderr": true}

func (p *provider) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	olds, err := unmarshal(req.GetOldInputs())
	if err != nil {
		return nil, err
	}
	if req.GetOldInputs() == nil {
		if olds, err = unmarshal(req.GetOlds()); err != nil {
			return nil, err
		}
	}
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	ignore := map[string]bool{}
	for _, k := range req.GetIgnoreChanges() {
		ignore[k] = true
	}
	keys := map[resource.PropertyKey]bool{}
	for k := range olds {
		keys[k] = true
	}
	for k := range news {
		keys[k] = true
	}
	var diffs, replaces []string
	detailed := map[string]*pulumirpc.PropertyDiff{}
	for k := range keys {
		if outputKeys[k] || ignore[string(k)] {
			continue
		}
		o, hasOld := olds[k]
		n, hasNew := news[k]
		if hasOld && hasNew && o.DeepEquals(n) {
			continue
		}
		diffs = append(diffs, string(k))
		kind := pulumirpc.PropertyDiff_UPDATE
		if !hasOld {
			kind = pulumirpc.PropertyDiff_ADD
		} else if !hasNew {
			kind = pulumirpc.PropertyDiff_DELETE
		}
		// Upstream: a change of triggers replaces; so does a new source or
		// remotePath of CopyToRemote (the file is written on create only).
		t := typeOf(req.GetUrn())
		if k == "triggers" || (t == typeCopyToRemote && (k == "source" || k == "remotePath")) {
			replaces = append(replaces, string(k))
			kind += 1 // ADD_REPLACE, DELETE_REPLACE, UPDATE_REPLACE follow their plain kinds
		}
		detailed[string(k)] = &pulumirpc.PropertyDiff{Kind: kind, InputDiff: true}
	}
	sort.Strings(diffs)
	sort.Strings(replaces)
	changes := pulumirpc.DiffResponse_DIFF_NONE
	if len(diffs) > 0 {
		changes = pulumirpc.DiffResponse_DIFF_SOME
	}
	return &pulumirpc.DiffResponse{
		Changes: changes, Diffs: diffs, Replaces: replaces,
		DetailedDiff: detailed, HasDetailedDiff: true, DeleteBeforeReplace: false,
	}, nil
}

func newID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (p *provider) Create(ctx context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	inputs, err := unmarshal(req.GetProperties())
	if err != nil {
		return nil, err
	}
	t := typeOf(req.GetUrn())
	outs := inputs.Copy()
	if req.GetPreview() {
		if t != typeCopyToRemote {
			outs["stdout"] = resource.MakeComputed(resource.NewStringProperty(""))
			outs["stderr"] = resource.MakeComputed(resource.NewStringProperty(""))
		}
		s, err := marshal(outs)
		return &pulumirpc.CreateResponse{Properties: s}, err
	}
	switch t {
	case typeCopyToRemote:
		if err := copyToRemote(ctx, inputs); err != nil {
			return nil, err
		}
	default:
		stdout, stderr, err := runFor(ctx, t, inputs, str(inputs, "create"), nil)
		if err != nil {
			return nil, err
		}
		outs["stdout"] = resource.NewStringProperty(stdout)
		outs["stderr"] = resource.NewStringProperty(stderr)
	}
	s, err := marshal(outs)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CreateResponse{Id: newID(), Properties: s}, nil
}

func (p *provider) Read(_ context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	// Commands have no remote state to read back: what ran is what state says.
	return &pulumirpc.ReadResponse{Id: req.GetId(), Properties: req.GetProperties(), Inputs: req.GetInputs()}, nil
}

func previous(olds resource.PropertyMap, inputs resource.PropertyMap) map[string]string {
	if !boolean(inputs, "addPreviousOutputInEnv", true) {
		return nil
	}
	return map[string]string{
		"PULUMI_COMMAND_STDOUT": str(olds, "stdout"),
		"PULUMI_COMMAND_STDERR": str(olds, "stderr"),
	}
}

func (p *provider) Update(ctx context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	olds, err := unmarshal(req.GetOlds())
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews())
	if err != nil {
		return nil, err
	}
	t := typeOf(req.GetUrn())
	outs := news.Copy()
	if req.GetPreview() {
		if t != typeCopyToRemote {
			outs["stdout"] = resource.MakeComputed(resource.NewStringProperty(""))
			outs["stderr"] = resource.MakeComputed(resource.NewStringProperty(""))
		}
		s, err := marshal(outs)
		return &pulumirpc.UpdateResponse{Properties: s}, err
	}
	if t == typeCopyToRemote {
		if err := copyToRemote(ctx, news); err != nil {
			return nil, err
		}
	} else {
		// Upstream: the update command, or create again when update is not set.
		cmd := str(news, "update")
		if cmd == "" {
			cmd = str(news, "create")
		}
		stdout, stderr, err := runFor(ctx, t, news, cmd, previous(olds, news))
		if err != nil {
			return nil, err
		}
		outs["stdout"] = resource.NewStringProperty(stdout)
		outs["stderr"] = resource.NewStringProperty(stderr)
	}
	s, err := marshal(outs)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.UpdateResponse{Properties: s}, nil
}

func (p *provider) Delete(ctx context.Context, req *pulumirpc.DeleteRequest) (*pbempty.Empty, error) {
	olds, err := unmarshal(req.GetProperties())
	if err != nil {
		return nil, err
	}
	t := typeOf(req.GetUrn())
	if t == typeCopyToRemote {
		return &pbempty.Empty{}, nil // upstream leaves copied files in place
	}
	if cmd := str(olds, "delete"); cmd != "" {
		if _, _, err := runFor(ctx, t, olds, cmd, previous(olds, olds)); err != nil {
			return nil, err
		}
	}
	return &pbempty.Empty{}, nil
}

// ---- running commands --------------------------------------------------------

func runFor(ctx context.Context, t string, inputs resource.PropertyMap, command string, extraEnv map[string]string,
) (string, string, error) {
	if command == "" {
		return "", "", nil
	}
	environment := env(inputs)
	for k, v := range extraEnv {
		environment[k] = v
	}
	stdin := str(inputs, "stdin")
	if t == typeLocalCommand {
		return runLocal(ctx, command, environment, stdin)
	}
	conn := object(inputs, "connection")
	client, err := dial(ctx, conn)
	if err != nil {
		return "", "", err
	}
	defer client.Close()
	return runRemote(client, command, environment, stdin)
}

func commandError(command string, err error, stdout, stderr string) error {
	return fmt.Errorf("%w: running %q:\n%s%s", err, command, stdout, stderr)
}

func runLocal(ctx context.Context, command string, environment map[string]string, stdin string) (string, string, error) {
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", command)
	cmd.Env = os.Environ()
	for k, v := range environment {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Stdin = strings.NewReader(stdin)
	if err := cmd.Run(); err != nil {
		return stdout.String(), stderr.String(), commandError(command, err, stdout.String(), stderr.String())
	}
	return strings.TrimSuffix(stdout.String(), "\n"), strings.TrimSuffix(stderr.String(), "\n"), nil
}

func dial(ctx context.Context, conn resource.PropertyMap) (*ssh.Client, error) {
	if conn == nil {
		return nil, errors.New("connection is required")
	}
	host := str(conn, "host")
	port := int(num(conn, "port", 22))
	user := str(conn, "user")
	if user == "" {
		user = "root" // upstream default (FACTS.md §2)
	}
	var auth []ssh.AuthMethod
	if key := str(conn, "privateKey"); key != "" {
		var signer ssh.Signer
		var err error
		if pass := str(conn, "privateKeyPassword"); pass != "" {
			signer, err = ssh.ParsePrivateKeyWithPassphrase([]byte(key), []byte(pass))
		} else {
			signer, err = ssh.ParsePrivateKey([]byte(key))
		}
		if err != nil {
			// Never echo the key: say which field and what kind of problem.
			return nil, fmt.Errorf("connection.privateKey could not be parsed (%s); expected an OpenSSH private key", errKind(err))
		}
		auth = append(auth, ssh.PublicKeys(signer))
	}
	if pw := str(conn, "password"); pw != "" {
		auth = append(auth, ssh.Password(pw))
	}
	if len(auth) == 0 {
		return nil, errors.New("connection needs privateKey or password")
	}
	hostKeyCallback := ssh.InsecureIgnoreHostKey() //nolint:gosec // upstream: host key checked only when set
	if hk := str(conn, "hostKey"); hk != "" {
		pub, _, _, _, err := ssh.ParseAuthorizedKey([]byte(hk))
		if err != nil {
			return nil, fmt.Errorf("connection.hostKey %q is not a public key in authorized_keys form (e.g. \"ssh-ed25519 AAAA...\"): %v", hk, err)
		}
		hostKeyCallback = ssh.FixedHostKey(pub)
	}
	limit := int(num(conn, "dialErrorLimit", 10))
	perDial := time.Duration(num(conn, "perDialTimeout", 15)) * time.Second
	cfg := &ssh.ClientConfig{User: user, Auth: auth, HostKeyCallback: hostKeyCallback, Timeout: perDial}
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	var lastErr error
	for attempt := 1; limit < 0 || attempt <= max(limit, 1); attempt++ {
		client, err := ssh.Dial("tcp", addr, cfg)
		if err == nil {
			return client, nil
		}
		lastErr = err
		// A wrong host key or refused credentials will not get better by retrying.
		if strings.Contains(err.Error(), "host key") || strings.Contains(err.Error(), "unable to authenticate") {
			break
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Duration(min(attempt, 5)) * time.Second):
		}
	}
	return nil, fmt.Errorf("ssh to %s@%s failed: %w", user, addr, lastErr)
}

func errKind(err error) string {
	var missing *ssh.PassphraseMissingError
	if errors.As(err, &missing) {
		return "it is encrypted; set connection.privateKeyPassword"
	}
	return "not a valid key"
}

func runRemote(client *ssh.Client, command string, environment map[string]string, stdin string) (string, string, error) {
	session, err := client.NewSession()
	if err != nil {
		return "", "", err
	}
	defer session.Close()
	names := make([]string, 0, len(environment))
	for k := range environment {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if err := session.Setenv(k, environment[k]); err != nil {
			// PULUMI_COMMAND_STDOUT/STDERR (addPreviousOutputInEnv, on by default)
			// are best effort, as upstream: most servers accept no environment.
			// A variable the program asked for by name is not dropped silently.
			if strings.HasPrefix(k, "PULUMI_COMMAND_") {
				continue
			}
			return "", "", fmt.Errorf("the SSH server refused environment variable %s (add it to AcceptEnv in sshd_config, "+
				"or prefix the command with %s=...): %w", k, k, err)
		}
	}
	var stdout, stderr bytes.Buffer
	session.Stdout, session.Stderr = &stdout, &stderr
	session.Stdin = strings.NewReader(stdin)
	if err := session.Run(command); err != nil {
		return stdout.String(), stderr.String(), commandError(command, err, stdout.String(), stderr.String())
	}
	return strings.TrimSuffix(stdout.String(), "\n"), strings.TrimSuffix(stderr.String(), "\n"), nil
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// copyToRemote writes a file asset to remotePath, or unpacks an archive into
// the directory remotePath, through one SSH session each (no SFTP needed).
func copyToRemote(ctx context.Context, inputs resource.PropertyMap) error {
	remotePath := str(inputs, "remotePath")
	src := plain(inputs["source"])
	client, err := dial(ctx, object(inputs, "connection"))
	if err != nil {
		return err
	}
	defer client.Close()
	wd, _ := os.Getwd()
	var (
		payload io.Reader
		command string
	)
	switch {
	case src.IsAsset():
		a := src.AssetValue()
		blob, err := a.ReadWithWD(wd)
		if err != nil {
			return fmt.Errorf("reading source asset: %w", err)
		}
		defer blob.Close()
		payload = blob
		command = fmt.Sprintf("mkdir -p %s && cat > %s", shellQuote(path.Dir(remotePath)), shellQuote(remotePath))
	case src.IsArchive():
		var buf bytes.Buffer
		if err := src.ArchiveValue().ArchiveWithWD(archive.TarArchive, &buf, wd); err != nil {
			return fmt.Errorf("packing source archive: %w", err)
		}
		payload = &buf
		command = fmt.Sprintf("mkdir -p %s && tar -x -f - -C %s", shellQuote(remotePath), shellQuote(remotePath))
	default:
		return errors.New("source must be an asset (pulumi.asset.FileAsset/StringAsset) or an archive")
	}
	session, err := client.NewSession()
	if err != nil {
		return err
	}
	defer session.Close()
	var stderr bytes.Buffer
	session.Stdin, session.Stderr = payload, &stderr
	if err := session.Run(command); err != nil {
		return fmt.Errorf("copying to %s failed: %w: %s", remotePath, err, stderr.String())
	}
	return nil
}
