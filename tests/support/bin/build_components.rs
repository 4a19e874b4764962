//! Builds every component in spin.toml with its own build command, as
//! `spin build` does, without needing Spin. tests/run.sh runs this once so
//! the tests that follow find every component built.

fn main() {
    mewayz_tests::manifest::build_components();
    for id in mewayz_tests::manifest::manifest().component.keys() {
        let source = mewayz_tests::manifest::manifest().source(id).unwrap();
        let size = std::fs::metadata(mewayz_tests::repo_path(source)).map(|m| m.len()).unwrap_or(0);
        println!("{id:<18} {size:>9} bytes  {source}");
    }
}
