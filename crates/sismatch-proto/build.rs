//! Compiles the `sismatch.v1` protobuf API (`proto/sismatch/v1/*.proto`) into
//! Rust messages, tonic clients and servers, and a file descriptor set for
//! server reflection.
//!
//! Two passes over the same files: the messages and clients first, then the
//! servers alone with `codec::RequestCodec`, because tonic-build has one codec
//! for clients and servers and only the servers should answer a request that
//! does not decode as the caller's fault.
//!
//! No system `protoc` is needed: unless `PROTOC` is set in the environment,
//! the vendored binary of `protoc-bin-vendored` is used, together with its
//! copy of the well-known types (`google/protobuf/*.proto`).

use std::env;
use std::error::Error;
use std::path::{Path, PathBuf};

/// Name of the descriptor set written to `OUT_DIR`; `src/lib.rs` includes it.
const DESCRIPTOR_SET: &str = "sismatch_v1_descriptor.bin";

/// Folder of `OUT_DIR` that holds the generated servers; `src/lib.rs`
/// includes them.
const SERVER_DIR: &str = "server";

fn main() -> Result<(), Box<dyn Error>> {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR")?);
    // Canonical, so that protoc sees the files under their include directory
    // (it does not resolve `..` itself).
    let proto_root = manifest_dir.join("../../proto").canonicalize()?;
    let api_dir = proto_root.join("sismatch/v1");
    let out_dir = PathBuf::from(env::var("OUT_DIR")?);

    println!("cargo:rerun-if-changed={}", api_dir.display());
    println!("cargo:rerun-if-env-changed=PROTOC");

    let protos = proto_files(&api_dir)?;
    if protos.is_empty() {
        return Err(format!("no .proto files in {}", api_dir.display()).into());
    }

    let includes = [proto_root, protoc_bin_vendored::include_path()?];

    // First the messages and the clients, with tonic's own codec: a client
    // keeps tonic's behaviour.
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(false)
        // Maps as BTreeMap: deterministic iteration and encoding (stable
        // output, hashable audit records).
        .btree_map(".")
        .file_descriptor_set_path(out_dir.join(DESCRIPTOR_SET))
        .compile_with_config(prost_config()?, &protos, &includes)?;

    // Then the servers alone, into their own folder, with the codec that
    // answers a request that does not decode with INVALID_ARGUMENT
    // (`src/codec.rs`). The messages are the first pass's (`extern_path`), so
    // nothing is generated twice.
    let server_dir = out_dir.join(SERVER_DIR);
    std::fs::create_dir_all(&server_dir)?;
    tonic_prost_build::configure()
        .build_client(false)
        .build_server(true)
        .extern_path(".sismatch.v1", "crate::v1")
        .codec_path("crate::codec::RequestCodec")
        .out_dir(server_dir)
        .compile_with_config(prost_config()?, &protos, &includes)?;
    Ok(())
}

/// The prost configuration of one pass: the vendored `protoc` unless `PROTOC`
/// is set.
fn prost_config() -> Result<tonic_prost_build::Config, Box<dyn Error>> {
    let mut config = tonic_prost_build::Config::new();
    // prost-build reads `PROTOC` itself when it is set; otherwise point it at
    // the vendored binary. (Setting the variable for this process would need
    // `unsafe` in edition 2024, which the workspace forbids.)
    if env::var_os("PROTOC").is_none() {
        config.protoc_executable(protoc_bin_vendored::protoc_bin_path()?);
    }
    Ok(config)
}

/// The `.proto` files directly in `dir`, sorted so that generation is
/// reproducible.
fn proto_files(dir: &Path) -> Result<Vec<PathBuf>, Box<dyn Error>> {
    let mut protos = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|ext| ext == "proto") {
            protos.push(path);
        }
    }
    protos.sort();
    Ok(protos)
}
