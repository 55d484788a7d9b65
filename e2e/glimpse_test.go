// Package e2e drives the built glimpse binary with the real openstack CLI, curl and raw
// HTTP requests, as a user would: the seed walkthrough, real qcow2 images, bad input.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var glimpseBin string // built once by TestMain

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "glimpse-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	glimpseBin = filepath.Join(dir, "glimpse")
	build := exec.Command("go", "build", "-o", glimpseBin, "../cmd/glimpse")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building glimpse:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// node is one running glimpse serve process.
type node struct {
	t           *testing.T
	dataDir     string
	imageURL    string
	identityURL string // without /v3
	cmd         *exec.Cmd
	stdout      *syncBuffer
	exited      chan struct{}
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return fmt.Sprint(ln.Addr().(*net.TCPAddr).Port)
}

// startGlimpse runs `glimpse serve` with only the environment a user would set: a data
// directory and two free ports (the defaults 9292/5000 may be taken on a test machine).
func startGlimpse(t *testing.T, extraEnv ...string) *node {
	t.Helper()
	return startGlimpseAt(t, t.TempDir(), extraEnv...)
}

// startGlimpseAt is startGlimpse on a given data directory, e.g. to restart a node.
func startGlimpseAt(t *testing.T, dataDir string, extraEnv ...string) *node {
	t.Helper()
	n := spawnGlimpseAt(t, dataDir, extraEnv...)
	if err := n.waitReady(); err != nil {
		t.Fatal(err)
	}
	return n
}

// spawnGlimpse starts `glimpse serve` like startGlimpse but does not wait for it to answer
// (see waitReady), so that several nodes can start at the same moment.
func spawnGlimpse(t *testing.T, extraEnv ...string) *node {
	t.Helper()
	return spawnGlimpseAt(t, t.TempDir(), extraEnv...)
}

func spawnGlimpseAt(t *testing.T, dataDir string, extraEnv ...string) *node {
	t.Helper()
	n := &node{t: t, dataDir: dataDir, stdout: &syncBuffer{}, exited: make(chan struct{})}
	imagePort, identityPort := freePort(t), freePort(t)
	n.imageURL = "http://127.0.0.1:" + imagePort
	n.identityURL = "http://127.0.0.1:" + identityPort
	n.cmd = exec.Command(glimpseBin, "serve")
	n.cmd.Env = append(os.Environ(),
		"GLIMPSE_DATA_DIR="+n.dataDir,
		"GLIMPSE_IMAGE_LISTEN=127.0.0.1:"+imagePort,
		"GLIMPSE_IDENTITY_LISTEN=127.0.0.1:"+identityPort,
		"GLIMPSE_LOG_LEVEL=warn",
	)
	n.cmd.Env = append(n.cmd.Env, extraEnv...)
	n.cmd.Stdout = n.stdout
	n.cmd.Stderr = os.Stderr
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { n.cmd.Wait(); close(n.exited) }()
	t.Cleanup(n.stop)
	return n
}

// waitReady waits up to 30 s for both APIs of a started node to answer.
func (n *node) waitReady() error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		if resp, err := http.Get(n.identityURL + "/v3"); err == nil {
			resp.Body.Close()
			if r2, err := http.Get(n.imageURL + "/versions"); err == nil {
				r2.Body.Close()
				return nil
			}
		}
		select {
		case <-n.exited:
			return fmt.Errorf("glimpse serve exited early; output:\n%s", n.stdout)
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("glimpse serve did not answer within 30 s; output:\n%s", n.stdout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (n *node) stop() {
	if n.cmd.Process == nil {
		return
	}
	n.cmd.Process.Signal(os.Interrupt)
	select {
	case <-n.exited:
	case <-time.After(40 * time.Second):
		n.cmd.Process.Kill()
		<-n.exited
	}
}

// openrcEnv returns the process environment with the variables of the node's openrc
// applied, as `source openrc` would (and without OS_TOKEN, which the openrc unsets).
func (n *node) openrcEnv() []string {
	n.t.Helper()
	f, err := os.Open(filepath.Join(n.dataDir, "openrc"))
	if err != nil {
		n.t.Fatalf("glimpse wrote no openrc: %v", err)
	}
	defer f.Close()
	vars := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if k, v, ok := strings.Cut(strings.TrimPrefix(line, "export "), "="); ok && strings.HasPrefix(line, "export ") {
			vars[k] = strings.Trim(v, "'")
		}
	}
	var env []string
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); !strings.HasPrefix(k, "OS_") {
			env = append(env, kv)
		}
	}
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	return env
}

// requireTool skips when a tool is missing on a developer machine, and fails in CI, where
// .ci/run installs it.
func requireTool(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is missing; .ci/run should have installed it", path)
		}
		t.Skipf("%s is missing: apt-get install python3-openstackclient qemu-utils jq curl", path)
	}
}

// openstack runs the real openstack CLI as the node's admin and returns its stdout.
func (n *node) openstack(args ...string) string {
	n.t.Helper()
	out, err := n.openstackErr(args...)
	if err != nil {
		n.t.Fatalf("openstack %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func (n *node) openstackErr(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/usr/bin/openstack", args...)
	cmd.Env = n.openrcEnv()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return string(out) + stderr.String(), err
	}
	return string(out), nil
}

// token issues an admin token with the CLI, as the walkthrough's first command does.
func (n *node) token() string {
	n.t.Helper()
	return strings.TrimSpace(n.openstack("token", "issue", "-f", "value", "-c", "id"))
}

// do sends one request to the image API and returns the status, headers and body.
func (n *node) do(method, path, token string, hdr map[string]string, body io.Reader) (int, http.Header, []byte) {
	n.t.Helper()
	req, err := http.NewRequest(method, n.imageURL+path, body)
	if err != nil {
		n.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("X-Auth-Token", token)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		n.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		n.t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, data
}

func decode(t *testing.T, data []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, data)
	}
	return m
}

// syncBuffer is a bytes.Buffer that a child process writes while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
