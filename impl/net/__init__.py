"""Running replicas for real: `config` (zoo.cfg-style server configuration), `framing`
(length-prefixed frames), `server` (`ReplicaServer`: one replica process, asyncio TCP to peers
and clients, group commit), `client` (`AsyncClient` and the blocking `Client`), `cluster` (a
local cluster of server processes) and `local_configs` (its config files)."""
