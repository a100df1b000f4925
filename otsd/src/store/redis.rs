//! The Redis store, through fred.
//!
//! One hash per secret at `<prefix><id>`, with a key expiry so that Redis
//! hides an expired secret and frees it on its own. The key's expiry runs
//! from when Redis executes the create, which may be a moment after otsd
//! computed the `expires_at` it reports; so the access script also compares
//! the stored expiry with otsd's clock and treats a secret past it as gone. Every operation
//! is one Lua script run with EVALSHA, so the proof check, the try counting,
//! the view counting and the last-view delete are atomic across any number
//! of otsd replicas.
//!
//! Requires Redis 7.0 or newer: the access script declares a script flag
//! (`allow-oom`) in a shebang line, which older servers reject.
//!
//! When Redis goes away, commands fail at once instead of queueing (fred's
//! per-command fail-fast option) and every command has a short timeout, so
//! a request never waits for a reconnect. A command refused that way is
//! known not to have run ([`StoreError::Unavailable`]). A command that was
//! written and then got no answer, because Redis was slow or because the
//! connection broke, may have run ([`StoreError::Timeout`]): for status,
//! reveal and burn that must never read as safe to retry.
//! The client reconnects on its own, forever; after a Redis restart the
//! script cache is empty, which EVALSHA reports as NOSCRIPT, and the script
//! is loaded again.
//!
//! A full Redis (maxmemory with `noeviction`) refuses creates, which become
//! [`StoreError::Full`], but never the access script: its writes only count
//! down or delete, and refusing them would let a full Redis answer wrong
//! proofs without counting them, an unlimited guessing oracle.

mod failure;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use bytes::Bytes;
use fred::prelude::{
    Builder, Client, ClientLike, Config, Options, ReconnectPolicy, ServerConfig, Value,
};
use fred::types::config::UnresponsiveConfig;
use fred::types::{ClusterHash, CustomCommand};
use ots_shared::{SecretId, Verifier};

use super::{NewSecret, Revealed, SecretStatus, Store, StoreError, whole_second_expiry};
use crate::config::RedisUrl;
use failure::{classify, readable};

/// How long one command may take before the request gives up.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(2);
/// How long to wait between reconnection attempts.
const RECONNECT_DELAY_MS: u32 = 300;
/// How long startup waits for the first connection.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(10);

/// Hash fields: envelope, verifier, views left, tries left, expiry (unix ms).
/// No script flags: a full Redis refuses its HSET with OOM, which is
/// [`StoreError::Full`].
const CREATE_LUA: &str = r"
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'e', ARGV[1], 'v', ARGV[2], 'n', ARGV[3], 't', ARGV[4], 'x', ARGV[5])
redis.call('PEXPIRE', KEYS[1], ARGV[6])
return 1
";

/// ARGV[1] is the verifier, ARGV[2] the operation, ARGV[3] otsd's clock in
/// unix ms. Replies: {0} not found;
/// {1, tries_left} wrong proof; {2, views_left, tries_left, expiry_ms} for
/// status; {2, views_left, envelope} for reveal; {2} for burn.
///
/// The shebang must be the very first line. `allow-oom` lets the script run,
/// and write, when Redis is at maxmemory: its writes only decrement the try
/// or view counter or delete the key, and must never be refused.
const ACCESS_LUA: &str = r"#!lua flags=allow-oom
local h = redis.call('HMGET', KEYS[1], 'v', 'n', 't', 'x')
if not h[1] then return {0} end
if tonumber(h[4]) <= tonumber(ARGV[3]) then
  redis.call('DEL', KEYS[1])
  return {0}
end
if h[1] ~= ARGV[1] then
  local tries = redis.call('HINCRBY', KEYS[1], 't', -1)
  if tries <= 0 then
    redis.call('DEL', KEYS[1])
    tries = 0
  end
  return {1, tries}
end
local op = ARGV[2]
if op == 'status' then
  return {2, tonumber(h[2]), tonumber(h[3]), tonumber(h[4])}
end
if op == 'burn' then
  redis.call('DEL', KEYS[1])
  return {2}
end
local envelope = redis.call('HGET', KEYS[1], 'e')
local left = tonumber(h[2]) - 1
if left <= 0 then
  redis.call('DEL', KEYS[1])
  left = 0
else
  redis.call('HSET', KEYS[1], 'n', left)
end
return {2, left, envelope}
";

/// The Redis store. Clones share one connection.
#[derive(Clone)]
pub struct RedisStore {
    client: Client,
    options: Options,
    prefix: std::sync::Arc<str>,
    create: Script,
    access: Script,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore").field("prefix", &self.prefix).finish_non_exhaustive()
    }
}

/// A Lua script and the SHA-1 that SCRIPT LOAD gave for it.
#[derive(Debug, Clone)]
struct Script {
    source: &'static str,
    sha: String,
}

#[derive(Clone, Copy)]
enum Access {
    Status,
    Reveal,
    Burn,
}

impl Access {
    fn name(self) -> &'static str {
        match self {
            Access::Status => "status",
            Access::Reveal => "reveal",
            Access::Burn => "burn",
        }
    }
}

impl RedisStore {
    /// Connects, waiting at most ~10 s; an unreachable Redis at startup is
    /// an error. Afterwards the client reconnects by itself.
    pub async fn connect(url: &RedisUrl, prefix: &str) -> anyhow::Result<Self> {
        let config = client_config(url)?;
        let address = address_of(&config);
        let client = build_client(config)?;

        let unreachable = || format!("redis at {address} is unreachable");
        tokio::time::timeout(STARTUP_TIMEOUT, client.init())
            .await
            .map_err(|_| anyhow::anyhow!("timed out after {}s", STARTUP_TIMEOUT.as_secs()))
            .with_context(unreachable)?
            .map_err(|err| anyhow::anyhow!("{}", readable(err.details())))
            .with_context(unreachable)?;

        let store = Self::with_client(client, prefix).await.with_context(unreachable)?;
        store.warn_if_evicting().await;
        Ok(store)
    }

    async fn with_client(client: Client, prefix: &str) -> anyhow::Result<Self> {
        let options = Options {
            fail_fast: true,
            timeout: Some(COMMAND_TIMEOUT),
            max_attempts: Some(1),
            ..Options::default()
        };
        let create = load_script(&client, CREATE_LUA).await?;
        let access = load_script(&client, ACCESS_LUA).await?;
        Ok(Self { client, options, prefix: prefix.into(), create, access })
    }

    /// Warns when Redis may evict keys under memory pressure: an evicted
    /// secret vanishes silently. Managed Redis often refuses CONFIG; that
    /// is not an error.
    async fn warn_if_evicting(&self) {
        let cmd = CustomCommand::new_static("CONFIG", None, false);
        let reply: Result<Vec<String>, _> = self
            .client
            .with_options(&self.options)
            .custom(cmd, vec!["GET", "maxmemory-policy"])
            .await;
        let Ok(reply) = reply else { return };
        if let Some(policy) = reply.get(1).filter(|p| p.as_str() != "noeviction") {
            tracing::warn!(
                policy = %policy,
                "redis maxmemory-policy evicts keys: secrets may vanish under memory pressure; \
                 set it to noeviction"
            );
        }
    }

    fn key(&self, id: &SecretId) -> String {
        format!("{}{}", self.prefix, id.as_str())
    }

    /// Runs a script by its SHA-1, loading it again when Redis has lost its
    /// script cache (after a restart).
    /// `harmless` says whether running it without the answer arriving
    /// leaves nothing that matters (see [`RedisStore::failure`]).
    async fn run(
        &self,
        script: &Script,
        key: String,
        args: Vec<Value>,
        harmless: bool,
    ) -> Result<Value, StoreError> {
        let mut command = Vec::with_capacity(args.len() + 3);
        command.extend([Value::from(script.sha.as_str()), Value::from(1), Value::from(key)]);
        command.extend(args);

        match self.evalsha(command.clone()).await {
            Err(err) if err.details().starts_with("NOSCRIPT") => {
                let load = self.script_load(script.source).await;
                // Loading a script changes no secret, whatever happened.
                load.map_err(|err| self.failure(&err, true))?;
                self.evalsha(command).await.map_err(|err| self.failure(&err, harmless))
            }
            other => other.map_err(|err| self.failure(&err, harmless)),
        }
    }

    /// Sorts a failed command. For `create` and `ping` an unconfirmed
    /// outcome does not matter once the connection is gone: a create that
    /// ran after all leaves a secret nobody has the link to, which expires,
    /// and the sender just tries again. So there, a missing answer on a lost
    /// connection means Redis went away, like a refusal. Status, reveal and
    /// burn keep "may have run", whatever the connection's state: a reveal
    /// Redis ran just before it died has consumed its view.
    fn failure(&self, err: &fred::error::Error, harmless: bool) -> StoreError {
        match classify(err) {
            StoreError::Timeout(detail) if harmless && !self.client.is_connected() => {
                StoreError::Unavailable(detail)
            }
            other => other,
        }
    }

    /// EVALSHA through `custom`: fred's own `evalsha` does not honour
    /// per-command options (its Lua interface is not implemented for
    /// `WithOptions`), and without fail-fast a command sent while Redis is
    /// down would wait for the full timeout instead of failing at once.
    async fn evalsha(&self, args: Vec<Value>) -> Result<Value, fred::error::Error> {
        // The key is the third argument (after the SHA-1 and the key count).
        let command = CustomCommand::new_static("EVALSHA", ClusterHash::Offset(2), false);
        self.client.with_options(&self.options).custom(command, args).await
    }

    async fn script_load(&self, source: &str) -> Result<String, fred::error::Error> {
        let command = CustomCommand::new_static("SCRIPT", ClusterHash::Random, false);
        self.client.with_options(&self.options).custom(command, vec!["LOAD", source]).await
    }

    async fn access(
        &self,
        id: &SecretId,
        verifier: &Verifier,
        op: Access,
    ) -> Result<Vec<Value>, StoreError> {
        let now = unix_ms(SystemTime::now()).to_string();
        let args = vec![bytes_value(verifier.as_bytes()), Value::from(op.name()), now.into()];
        let reply = self.run(&self.access, self.key(id), args, false).await?;
        let Value::Array(items) = reply else {
            return Err(unexpected("access reply is not an array"));
        };
        match items.first().and_then(Value::as_i64) {
            Some(0) => Err(StoreError::NotFound),
            Some(1) => Err(StoreError::WrongProof { tries_left: int_at(&items, 1)? }),
            Some(2) => Ok(items),
            _ => Err(unexpected("access reply has an unknown code")),
        }
    }
}

/// The fred configuration for a URL: `rediss://` turns on TLS (rustls with
/// the system's roots), user, password and database come from the URL.
fn client_config(url: &RedisUrl) -> anyhow::Result<Config> {
    Config::from_url_centralized(url.expose())
        .map_err(|err| anyhow::anyhow!("invalid redis url: {}", err.details()))
}

fn address_of(config: &Config) -> String {
    match &config.server {
        ServerConfig::Centralized { server } => format!("{}:{}", server.host, server.port),
        _ => "the configured address".to_owned(),
    }
}

fn build_client(config: Config) -> anyhow::Result<Client> {
    let mut builder = Builder::from_config(config);
    builder
        .with_config(|c| c.fail_fast = true)
        .with_connection_config(|c| {
            c.connection_timeout = COMMAND_TIMEOUT;
            c.internal_command_timeout = COMMAND_TIMEOUT;
            c.max_command_attempts = 1;
            c.unresponsive = UnresponsiveConfig {
                max_timeout: Some(Duration::from_secs(5)),
                interval: Duration::from_secs(1),
            };
        })
        .with_performance_config(|c| c.default_command_timeout = COMMAND_TIMEOUT)
        // max_attempts 0: reconnect forever.
        .set_policy(ReconnectPolicy::new_constant(0, RECONNECT_DELAY_MS));
    builder
        .build()
        .map_err(|err| anyhow::anyhow!("cannot set up the redis client: {}", err.details()))
}

async fn load_script(client: &Client, source: &'static str) -> anyhow::Result<Script> {
    let command = CustomCommand::new_static("SCRIPT", ClusterHash::Random, false);
    let sha: String = client.custom(command, vec!["LOAD", source]).await.map_err(|err| {
        anyhow::anyhow!(
            "cannot load a lua script (Redis 7.0 or newer is needed): {}",
            err.details()
        )
    })?;
    Ok(Script { source, sha })
}

fn unexpected(what: &str) -> StoreError {
    StoreError::Internal(format!("unexpected redis reply: {what}"))
}

fn bytes_value(bytes: &[u8]) -> Value {
    Value::Bytes(Bytes::copy_from_slice(bytes))
}

fn int_at(items: &[Value], index: usize) -> Result<u32, StoreError> {
    let value =
        items.get(index).and_then(Value::as_i64).ok_or_else(|| unexpected("missing number"))?;
    u32::try_from(value.max(0)).map_err(|_| unexpected("number out of range"))
}

fn unix_ms(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

fn expiry_at(items: &[Value], index: usize) -> Result<SystemTime, StoreError> {
    let ms =
        items.get(index).and_then(Value::as_i64).ok_or_else(|| unexpected("missing expiry"))?;
    let ms = u64::try_from(ms).map_err(|_| unexpected("negative expiry"))?;
    UNIX_EPOCH.checked_add(Duration::from_millis(ms)).ok_or_else(|| unexpected("expiry too far"))
}

impl Store for RedisStore {
    async fn create(&self, id: &SecretId, secret: &NewSecret) -> Result<SystemTime, StoreError> {
        // The key's lifetime is relative (PEXPIRE), so a clock difference
        // between otsd and Redis cannot shorten or stretch it; the stored
        // wall-clock expiry is only what status reports. Whole milliseconds
        // rounded down, so Redis drops the key no later than that expiry
        // (give or take the one-way trip to Redis).
        let (expires_at, lifetime) = whole_second_expiry(SystemTime::now(), secret.ttl)?;
        let ttl_ms = u64::try_from(lifetime.as_millis()).unwrap_or(u64::MAX).max(1);
        let args = vec![
            bytes_value(&secret.envelope),
            bytes_value(secret.verifier.as_bytes()),
            Value::from(i64::from(secret.views)),
            Value::from(i64::from(secret.tries)),
            Value::from(unix_ms(expires_at).to_string()),
            Value::from(ttl_ms.to_string()),
        ];
        match self.run(&self.create, self.key(id), args, true).await?.as_i64() {
            Some(1) => Ok(expires_at),
            Some(0) => Err(StoreError::Conflict),
            _ => Err(unexpected("create reply is not 0 or 1")),
        }
    }

    async fn status(&self, id: &SecretId, verifier: &Verifier) -> Result<SecretStatus, StoreError> {
        let items = self.access(id, verifier, Access::Status).await?;
        Ok(SecretStatus {
            views_left: int_at(&items, 1)?,
            tries_left: int_at(&items, 2)?,
            expires_at: expiry_at(&items, 3)?,
        })
    }

    async fn reveal(&self, id: &SecretId, verifier: &Verifier) -> Result<Revealed, StoreError> {
        let items = self.access(id, verifier, Access::Reveal).await?;
        let envelope =
            items.get(2).and_then(Value::as_bytes).ok_or_else(|| unexpected("no envelope"))?;
        Ok(Revealed { envelope: envelope.to_vec(), views_left: int_at(&items, 1)? })
    }

    async fn burn(&self, id: &SecretId, verifier: &Verifier) -> Result<(), StoreError> {
        self.access(id, verifier, Access::Burn).await.map(drop)
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.client
            .with_options(&self.options)
            .ping::<String>(None)
            .await
            .map(drop)
            .map_err(|err| self.failure(&err, true))
    }
}

#[cfg(test)]
mod tests;
