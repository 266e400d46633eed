package scriptcmd

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// chatServer is a small lesson 10 server for testing chatroom itself: a
// bounded queue and a writer per client, a full queue disconnects. echo
// and lossy turn on two of the mistakes chatroom must catch.
type chatServer struct {
	echo  bool // messages go back to their sender too
	lossy bool // a full queue loses the line instead of the client

	mu      sync.Mutex
	clients map[string]*chatServerClient
}

type chatServerClient struct {
	conn net.Conn
	out  chan string
}

func startChatServer(t *testing.T, s *chatServer) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	s.clients = map[string]*chatServerClient{}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
			go s.serve(c)
		}
	}()
	return ln.Addr().String()
}

func (s *chatServer) serve(conn net.Conn) {
	sc := bufio.NewScanner(conn)
	if !sc.Scan() {
		return
	}
	nick := sc.Text()
	c := &chatServerClient{conn: conn, out: make(chan string, 128)}
	s.mu.Lock()
	c.out <- "welcome " + nick
	s.deliverLocked(c, "* "+nick+" joined")
	s.clients[nick] = c
	s.mu.Unlock()
	go func() {
		w := bufio.NewWriter(conn)
		for line := range c.out {
			fmt.Fprintln(w, line)
			if len(c.out) == 0 && w.Flush() != nil {
				return
			}
		}
	}()
	for sc.Scan() {
		s.mu.Lock()
		from := c
		if s.echo {
			from = nil
		}
		s.deliverLocked(from, nick+": "+sc.Text())
		s.mu.Unlock()
	}
}

func (s *chatServer) deliverLocked(from *chatServerClient, line string) {
	for nick, c := range s.clients {
		if c == from {
			continue
		}
		select {
		case c.out <- line:
		default:
			if s.lossy {
				continue
			}
			delete(s.clients, nick)
			close(c.out)
			c.conn.Close()
			s.deliverLocked(c, "* "+nick+" left")
		}
	}
}

func runChatroom(t *testing.T, s *chatServer, slow bool, n, m, size int) *Failure {
	t.Helper()
	addr := startChatServer(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return chatroom(NewState(ctx, "", ""), addr, slow, n, m, size)
}

func TestChatroomPassesAGoodServer(t *testing.T) {
	f := runChatroom(t, &chatServer{}, false, 20, 10, 60)
	assert.Nil(t, f)
	f = runChatroom(t, &chatServer{}, true, 2, 1000, 4000)
	assert.Nil(t, f)
}

func TestChatroomCatchesEcho(t *testing.T) {
	f := runChatroom(t, &chatServer{echo: true}, false, 5, 3, 40)
	require.NotNil(t, f)
	assert.Contains(t, f.What, "received its own message back")
}

func TestChatroomCatchesALossyQueue(t *testing.T) {
	f := runChatroom(t, &chatServer{lossy: true}, true, 2, 1000, 4000)
	require.NotNil(t, f)
	assert.True(t, strings.Contains(f.What, "no notice that slow left"), f.What)
}
