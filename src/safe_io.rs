//! Files tlslint writes or reads on the user's behalf (reports, baselines), opened so that
//! a path planted by a scanned repository cannot redirect them.
//!
//! * [`create_report`]: the last component of the path is never followed if it is a
//!   symbolic link (`O_NOFOLLOW` on Unix; a check before creating on other systems), so a
//!   committed `tlslint.sarif -> ~/.bashrc` makes the write fail instead of overwriting
//!   the link's target. Existing regular files are truncated only after they were opened
//!   without following a link; devices such as `/dev/null` are written as they are.
//! * [`read_regular`]: reads only regular files (not FIFOs, which would block, or devices
//!   such as `/dev/zero`, which never end), up to a size limit.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// Why a path was refused.
fn refused(path: &Path, why: &str) -> io::Error {
    io::Error::other(format!("{}: {why}", path.display()))
}

/// Opens `path` for writing a report, creating it if needed, never through a symbolic link
/// in its last component.
pub fn create_report(path: &Path) -> io::Result<File> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(libc::O_NOFOLLOW | libc::O_NOCTTY | libc::O_CLOEXEC);
    }
    #[cfg(not(unix))]
    {
        if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(refused(path, "is a symbolic link; not written"));
        }
    }
    let file = match opts.open(path) {
        Ok(f) => f,
        Err(e) if is_symlink_error(&e, path) => {
            return Err(refused(path, "is a symbolic link; not written"));
        }
        Err(e) => return Err(e),
    };
    if file.metadata()?.is_file() {
        file.set_len(0)?;
    }
    Ok(file)
}

fn is_symlink_error(e: &io::Error, path: &Path) -> bool {
    #[cfg(unix)]
    if e.raw_os_error() == Some(libc::ELOOP) {
        return true;
    }
    let _ = e;
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

/// Reads a regular file (symbolic links to one are followed) of at most `limit` bytes.
pub fn read_regular(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(refused(path, "is not a regular file"));
    }
    if meta.len() > limit {
        return Err(refused(
            path,
            &format!("is larger than {limit} bytes; not read"),
        ));
    }
    let file = File::open(path)?;
    if !file.metadata()?.is_file() {
        return Err(refused(path, "is not a regular file"));
    }
    let mut buf = Vec::new();
    file.take(limit.saturating_add(1)).read_to_end(&mut buf)?;
    if buf.len() as u64 > limit {
        return Err(refused(
            path,
            &format!("is larger than {limit} bytes; not read"),
        ));
    }
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[cfg(unix)]
    #[test]
    fn reports_are_not_written_through_a_symlink() {
        let dir = tempfile::tempdir().expect("tempdir");
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "precious").expect("write");
        let link = dir.path().join("tlslint.sarif");
        std::os::unix::fs::symlink(&victim, &link).expect("symlink");
        let e = create_report(&link).expect_err("refused");
        assert!(e.to_string().contains("is a symbolic link"), "{e}");
        assert_eq!(std::fs::read_to_string(&victim).expect("read"), "precious");
        // A regular file is replaced, a new one created.
        let out = dir.path().join("out.json");
        std::fs::write(&out, "old content that is longer").expect("write");
        create_report(&out)
            .and_then(|mut f| f.write_all(b"new"))
            .expect("write");
        assert_eq!(std::fs::read_to_string(&out).expect("read"), "new");
        create_report(Path::new("/dev/null")).expect("a device is written as it is");
    }

    #[cfg(unix)]
    #[test]
    fn only_regular_files_are_read() {
        let e = read_regular(Path::new("/dev/zero"), 1 << 20).expect_err("device");
        assert!(e.to_string().contains("not a regular file"), "{e}");
        let dir = tempfile::tempdir().expect("tempdir");
        let f = dir.path().join("b.json");
        std::fs::write(&f, "0123456789").expect("write");
        assert_eq!(read_regular(&f, 10).expect("read").len(), 10);
        assert!(read_regular(&f, 9).is_err());
    }
}
