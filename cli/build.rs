//! Links the `plimsoll` executable at a fixed address on Linux (`-no-pie`): a position-
//! independent one has the dynamic loader apply some 84,000 relocations and copy 1.8 MB of
//! tables at every start, a third of what a small run costs beyond its own work. The library
//! crates are unchanged (position-independent code links into either).
//!
//! The trade-off is that the executable's own code is not placed at a random address. Set
//! `PLIMSOLL_PIE=1` when building to keep a position-independent executable (the container
//! image builds against musl, which this does not touch).

fn main() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    let pie = std::env::var_os("PLIMSOLL_PIE").is_some_and(|v| v == "1");
    if os == "linux" && env == "gnu" && !pie {
        println!("cargo::rustc-link-arg-bins=-no-pie");
    }
    println!("cargo::rerun-if-changed=cli/build.rs");
    println!("cargo::rerun-if-env-changed=PLIMSOLL_PIE");
}
