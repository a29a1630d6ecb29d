// The migrations are embedded at compile time (`embed_migrations!`): a new or changed migration
// must rebuild the crate, or an incremental build would ship without it.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
