use clap::Parser;
use goalkeeper::cli::{Cli, run};
use std::process::ExitCode;

/// glibc raises its mmap threshold after each large block is freed, so the next 19 MiB argon2
/// block comes from a heap arena and stays in the process (50 sign-ins grew it to 250 MB). A
/// fixed threshold keeps large blocks mapped and returns them to the system when freed. glibc
/// also gives threads arenas of their own, up to eight per core, each keeping what it once
/// held: two arenas shared by every thread keep the memory flat under many clients.
fn keep_large_allocations_returnable() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator tuning; called before any thread is started.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Only a server lives long enough for this to matter; one-off commands such as `seed` build
    // large batches again and again and would map and unmap each of them.
    if cli.serves() {
        keep_large_allocations_returnable();
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("GOALKEEPER_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_target(false)
        .init();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("goalkeeper: {e:#}");
            match e.downcast_ref::<goalkeeper::cli::Exit>() {
                Some(exit) => ExitCode::from(exit.status),
                None => ExitCode::FAILURE,
            }
        }
    }
}
