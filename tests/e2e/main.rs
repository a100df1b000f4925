//! End-to-end tests: the real `otsd` and `otsctl` binaries, each test run
//! once on the embedded memory store and once on a private `redis-server`.

mod harness;

mod api;
mod exactly_once;
mod expiry;
mod lifecycle;
mod logs;
mod openapi;
mod outage;
mod roundtrip;
mod wrong_key;
