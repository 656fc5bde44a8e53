//! Links the `plimsoll` executable at a fixed address on Linux (`-no-pie`): a position-
//! independent one has the dynamic loader apply some 84,000 relocations and copy 1.8 MB of
//! tables at every start, a third of what a small run costs beyond its own work. The library
//! crates are unchanged (position-independent code links into either).

fn main() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if os == "linux" && env == "gnu" {
        println!("cargo::rustc-link-arg-bins=-no-pie");
    }
    println!("cargo::rerun-if-changed=cli/build.rs");
}
