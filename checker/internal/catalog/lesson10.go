package catalog

import "github.com/socketlings/socketlings/checker/internal/results"

var lesson10 = Lesson{
	Number: 10, Slug: "chat-server", Title: "A chat server", Race: true,
	Contract: []Clause{
		{ID: "flags", Text: "**Flags:** `-addr host:port`, default `127.0.0.1:65432`. The checker always passes `-addr` with port 0, and builds the program **with `-race`**.",
			Taught: "the checker never listens on a fixed port, so the default is not tried."},
		{ID: "lines", Checks: []string{"welcome_join", "broadcast_others", "nick_invalid", "nick_taken"},
			Text: "**Lines:** everything in both directions is lines ending in `\\n`, which may arrive in pieces or several to a write. The server removes a `\\r` before the `\\n` of what it reads, and sends lines ending in `\\n` alone. A line holds up to 4096 bytes before its line end (`\\n` or `\\r\\n`), and the server takes such a line like any other; the checker never sends a longer one."},
		{ID: "nick_valid", Checks: []string{"nick_invalid"},
			Text: "**Nicknames:** the first line is the nickname: 1 to 32 characters, each a letter `A-Z` `a-z`, a digit `0-9`, `-` or `_` (so `7` is one, and `bad*`, `a.b` and `é` are not). Otherwise the reply is `ERR invalid nickname`, the connection is closed, and nobody else is told."},
		{ID: "nick_taken", Checks: []string{"nick_taken"},
			Text: "**Taken:** a nickname in use gets `ERR nickname taken` and the connection is closed; nobody else is told, and the client who has the name stays in the room."},
		{ID: "welcome", Checks: []string{"welcome_join", "room_crowd"},
			Text: "**Joining:** otherwise the client's first line back is `welcome NICK`, and every client already in the room gets `* NICK joined`; the newcomer gets no notice about itself, nor about the clients already there."},
		{ID: "join_once", Checks: []string{"room_crowd", "welcome_join"},
			Text: "**Joining together:** of any two clients, exactly one is told about the other: the one that joined first hears `* NICK joined` about the second, once, even when they join at the same moment."},
		{ID: "broadcast", Checks: []string{"broadcast_others", "room_crowd"},
			Text: "**Messages:** each later line `TEXT` that is not empty reaches every other client in the room as `NICK: TEXT`, exactly once, `TEXT` exactly as sent (spaces included), and never comes back to its sender."},
		{ID: "empty_lines", Checks: []string{"broadcast_others"},
			Text: "**Empty lines** (`\\n`, or `\\r\\n`) are not messages: nobody receives anything for them."},
		{ID: "sender_order", Checks: []string{"broadcast_others", "room_crowd"},
			Text: "**Order:** each client receives every sender's lines in the order that sender sent them."},
		{ID: "leave", Checks: []string{"leave_notice", "slow_reader"},
			Text: "**Leaving:** when a client's connection ends (EOF or reset), every client still in the room gets `* NICK left` once, the server closes its side of that connection (a client that only half-closed gets EOF), and the nickname is free again."},
		{ID: "slow_readers", Checks: []string{"slow_reader"},
			Text: "**Slow readers:** a client's queue is bounded, and when it is full the server disconnects that client (closes its connection, which the checker sees in the kernel's socket table before it reads from it) and announces `* NICK left`. The room never waits for one client. The checker keeps at most 96 lines on their way to any client that reads, plus one join notice per client, so a queue of 128 never fills for a client that keeps up. It floods a client that never reads with 12 MB, which must get it disconnected: at most about 4 MB fit in the kernel's buffers, so any queue up to a thousand lines of 4 KB fills."},
		{ID: "shutdown_clients", Checks: []string{"shutdown_clients"},
			Text: "**Stopping with clients:** on SIGINT or SIGTERM, the server closes the listener and every client's connection, registered or not, and exits 0 within 5 s: connected clients never hold it."},
		{ID: "no_race", Checks: []string{"leave_notice", "room_crowd", "slow_reader", "shutdown_clients"},
			Text: "**No data race:** a `WARNING: DATA RACE` report fails the check that stops the server (`leave_notice`, `room_crowd`, `slow_reader`, `shutdown_clients`). Whatever that check's hint says, the fix is in \"Sharing the room\"."},
	},
	Server: &Server{Net: "tcp", Poke: "chatroom -slow 2 1500 4000\ndial c\nsend c 'poke\\n'\nexpectline c 'welcome poke'\nclose c"},
	CauseHints: map[results.Kind]string{
		results.Race: `A data race: two goroutines used the same variable, one of them writing, with nothing ordering them; the report names both places ("Sharing the room").`,
	},
	Hints: map[string]string{
		"welcome_join":     `Under the lock: queue 'welcome NICK' for the newcomer, deliver '* NICK joined' to the others, then add it to the map ("Sharing the room").`,
		"broadcast_others": `Deliver 'NICK: text' to every client but the sender, text as sent; drop only a trailing carriage return, then skip the line only if it is empty (a line of spaces is a message); let the Scanner hold 4096 bytes plus the line end ("Designing the protocol").`,
		"leave_notice":     `When a client's read loop ends, delete it from the map, close its queue and deliver '* NICK left'; the writer, once the queue is closed, closes the connection ("Leaving the room").`,
		"nick_taken":       `Look the nickname up in the map under the lock; if it is there, reply 'ERR nickname taken' and close ("Sharing the room").`,
		"nick_invalid":     `Match the nickname against validNick (letters, digits, - and _ only, 1 to 32) before joining; reply 'ERR invalid nickname' and close ("Designing the protocol").`,
		"room_crowd":       `Every use of the map goes through the mutex, and each client's lines leave through its one queue and writer, in order ("Sharing the room", "One writer per connection").`,
		"slow_reader":      `Never write to a socket while holding the room's lock: queue without waiting (select with default) and disconnect a client whose queue is full; when its read loop ends later, leave must find it gone from the map and do nothing ("Slow readers", "Leaving the room").`,
		"shutdown_clients": `Chat clients never leave on their own: after Accept fails, close every client's connection and return from main ("Stopping the server").`,
	},
	Guide: []string{
		"In a chat room what one client says goes to every other, so the connections share one room, and a write to a socket blocks for as long as that client does not read. If the server delivers by writing directly, one stuck reader stalls everybody; so each client gets a bounded queue of lines and a single writer of its own, delivering never waits, and a client whose queue is full is disconnected rather than waited for. Reread \"Sharing the room\", \"One writer per connection\" and \"Slow readers\".",
		"The room's map is guarded by a `sync.Mutex`, locked around every use of it, and a client's queue is a buffered channel, `make(chan string, 128)`; a `select` with a `default` sends only when there is room, `close` ends the writer's `for range`, and `len(ch)` says how many lines wait, which tells the `bufio.Writer` when to `Flush`. `conn.Close` is safe from any goroutine and wakes a blocked `Read` or `Write`. The trap: never write to a socket while holding the room's lock, and close a queue only once, under that lock. Reread \"The Go API you need\" and \"Leaving the room\".",
		"In `serve`, refuse a name `validNick` rejects with `ERR invalid nickname` before any writer exists; `join`, under the lock, refuses a name already in the map, else queues `welcome NICK`, delivers `* NICK joined` and adds the client; `write` ranges over the queue, writing each line and flushing when the queue is empty, then closes the connection. `deliverLocked` tries each other client's queue without waiting, and on a full one deletes the client, closes its queue and connection, and puts its `* NICK left` on a list of lines still to deliver rather than calling itself. `say` delivers `NICK: text`, `leave` acts only if the map still holds this very client, and `closeAll` closes every connection. Reread \"Step-by-step tasks\" and \"Stopping the server\".",
	},
}
