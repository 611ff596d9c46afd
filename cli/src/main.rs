//! `lockgate`: the command line (template, lint, package; later the local pipeline).

fn main() {
    println!("lockgate");
}
