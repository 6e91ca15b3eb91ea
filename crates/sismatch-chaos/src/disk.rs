//! A node's data folder on a small filesystem of its own, so that its disk can fill up
//! (ENOSPC) and be freed again while the node runs: a `tmpfs` mounted by the runner (which
//! needs root, or CAP_SYS_ADMIN), filled with a ballast file, the ballast then deleted.
//!
//! When the mount is refused, the run says so and skips the full-disk fault; the other faults
//! still run.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

/// A mounted tmpfs, unmounted when dropped.
pub struct SmallDisk {
    /// The mount point.
    pub root: PathBuf,
    ballast: PathBuf,
}

impl SmallDisk {
    /// Mounts a tmpfs of `megabytes` on `root` (created if missing).
    pub fn mount(root: &Path, megabytes: u32) -> Result<SmallDisk> {
        std::fs::create_dir_all(root).with_context(|| format!("creating {}", root.display()))?;
        let output = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m"), "tmpfs"])
            .arg(root)
            .output()
            .context("running mount")?;
        if !output.status.success() {
            bail!(
                "mount -t tmpfs on {} refused: {}",
                root.display(),
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        Ok(SmallDisk {
            root: root.to_path_buf(),
            ballast: root.join("ballast"),
        })
    }

    /// Fills the filesystem to the last byte with the ballast file; returns the ballast's size.
    pub fn fill(&self) -> Result<u64> {
        let mut file: File = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.ballast)
            .context("creating the ballast")?;
        let mut written = 0_u64;
        // Big chunks first, then small ones, so that the last free block is taken too.
        for chunk in [1 << 20, 4096, 1] {
            let block = vec![0xA5_u8; chunk];
            loop {
                match file.write(&block) {
                    Ok(0) => break,
                    Ok(n) => written += n as u64,
                    Err(error) if error.raw_os_error() == Some(28) => break,
                    Err(error) => return Err(error).context("writing the ballast"),
                }
            }
        }
        Ok(written)
    }

    /// Deletes the ballast: the space is free again.
    pub fn free(&self) -> Result<()> {
        match std::fs::remove_file(&self.ballast) {
            Ok(()) => Ok(()),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(error) => Err(error).context("deleting the ballast"),
        }
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = self.free();
        let _ = Command::new("umount").arg(&self.root).status();
    }
}
