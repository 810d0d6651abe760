// Command go-client drives docker-credential-atcr through the Go client package of
// docker-credential-helpers, the library Docker, buildkit and many Go tools use to talk to helpers.
//
// Usage: go-client <server> <username>   (the secret is read from stdin, never from argv)
//
// It runs store, get, list, erase, get and prints one JSON object per step on stdout:
// {"step":"get","ok":true,"username":"…","secretMatches":true} — never the secret itself.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/docker/docker-credential-helpers/client"
	"github.com/docker/docker-credential-helpers/credentials"
)

type step struct {
	Step          string            `json:"step"`
	OK            bool              `json:"ok"`
	Error         string            `json:"error,omitempty"`
	NotFound      bool              `json:"notFound,omitempty"`
	ServerURL     string            `json:"serverURL,omitempty"`
	Username      string            `json:"username,omitempty"`
	SecretMatches bool              `json:"secretMatches,omitempty"`
	List          map[string]string `json:"list,omitempty"`
}

func report(s step, err error) {
	if err != nil {
		s.OK = false
		s.Error = err.Error()
		s.NotFound = credentials.IsErrCredentialsNotFound(err)
	} else {
		s.OK = true
	}
	line, _ := json.Marshal(s)
	fmt.Println(string(line))
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: go-client <server> <username>  (secret on stdin)")
		os.Exit(2)
	}
	server, username := os.Args[1], os.Args[2]
	secret, _ := bufio.NewReader(os.Stdin).ReadString('\n')
	secret = strings.TrimSpace(secret)

	helper := client.NewShellProgramFunc("docker-credential-atcr")

	err := client.Store(helper, &credentials.Credentials{ServerURL: server, Username: username, Secret: secret})
	report(step{Step: "store"}, err)

	got, err := client.Get(helper, server)
	s := step{Step: "get"}
	if got != nil {
		s.ServerURL, s.Username, s.SecretMatches = got.ServerURL, got.Username, got.Secret == secret
	}
	report(s, err)

	list, err := client.List(helper)
	report(step{Step: "list", List: list}, err)

	report(step{Step: "erase"}, client.Erase(helper, server))

	again, err := client.Get(helper, server)
	s = step{Step: "get-after-erase"}
	if again != nil {
		s.Username = again.Username
	}
	report(s, err)
}
