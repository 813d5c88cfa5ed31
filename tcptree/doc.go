// Package tcptree assembles the runtime tree of the detached mode
// (bqskit-server, bqskit-manager, bqskit-worker) over authenticated TCP
// connections (transport/tcp) and gives every process the same
// hierarchy.Tree and its own node id.
//
// # Protocol
//
// On each parent-child connection, after authentication:
//  1. the child sends a join message describing its whole subtree (a
//     worker: itself, with its slots; a manager: itself and the subtrees
//     of all its children, once they have all joined), nodes in preorder
//     with parents as indices into that list;
//  2. the parent answers with the whole tree and the child's id, or with
//     an error (for example, the tree is invalid).
//
// The server numbers the nodes in preorder (itself 0, then each child's
// subtree in the order of its manager addresses), so a node's id and its
// children's ids follow from the tree. Messages are JSON.
//
// # Use
//
//   - Worker: conn := tcp.Dial(manager); tree, id := Join(ctx, conn,
//     Leaf(slots, host)); then Link(id, tree, conn, nil, opts) and
//     hierarchy.RunNode.
//   - Manager: accept or dial its children, subs[i] := ReadJoin(ctx, c[i]);
//     accept the parent; tree, id := Join(ctx, parent, Combine(host, subs));
//     Assign(ctx, c[i], tree, tree's i-th child of id) for each child; then
//     Link and RunNode.
//   - Server: dial the managers, subs[i] := ReadJoin; tree := BuildTree(host,
//     subs); Assign each manager its id (tree's i-th child of 0); then Link
//     (id 0, no parent) and hierarchy.NewServer.
//
// ReadJoin and Join honour ctx (its deadline bounds the wait; callers pass
// the --connect-timeout).
package tcptree
