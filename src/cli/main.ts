/** Placeholder entry until the command line lands. */
process.stdout.write('stagecraft\n');
