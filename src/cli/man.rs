//! `man`: the manual page, generated from the same clap definitions as `--help`.

use super::args::{Cli, ManArgs};
use super::output::print_stdout;
use super::{Exit, Failure};
use anyhow::Context;
use clap::CommandFactory;

pub fn run_man(args: ManArgs) -> Result<Exit, Failure> {
    let command = Cli::command();
    match args.dir {
        None => {
            let page = whole_page(command)
                .context("cannot render the manual page")
                .map_err(Failure::source)?;
            print_stdout(&page)?;
        }
        Some(dir) => {
            std::fs::create_dir_all(&dir)
                .and_then(|()| clap_mangen::generate_to(command, &dir))
                .with_context(|| format!("cannot write the manual pages into {}", dir.display()))
                .map_err(Failure::source)?;
        }
    }
    Ok(Exit::Success)
}

/// One page for the whole tool: the top-level page, then a section per command with
/// its description and options (`man --dir` writes them as pages of their own).
fn whole_page(mut command: clap::Command) -> std::io::Result<String> {
    command.build();
    let mut page = Vec::new();
    clap_mangen::Man::new(command.clone()).render(&mut page)?;
    let mut page = String::from_utf8_lossy(&page).into_owned();
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        let man = clap_mangen::Man::new(sub.clone());
        let mut section = Vec::new();
        man.render_description_section(&mut section)?;
        man.render_options_section(&mut section)?;
        page.push_str(&format!(
            ".SH \"MEMGROWTH {}\"\n",
            sub.get_name().to_uppercase()
        ));
        for line in String::from_utf8_lossy(&section).lines() {
            // The command's own headings sit under its section.
            match line.strip_prefix(".SH ") {
                Some(heading) => page.push_str(&format!(".SS {heading}\n")),
                None => {
                    page.push_str(line);
                    page.push('\n');
                }
            }
        }
    }
    Ok(page)
}
