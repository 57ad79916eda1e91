namespace CharModel;

/// <summary>A few kilobytes of English (proverbs and plain sentences), for machines without the fortunes package: enough
/// to see the loss fall and the samples take the shape of words, not to learn a language.</summary>
internal static class BuiltInText
{
    private static readonly string[] Lines =
    [
        "A stitch in time saves nine.", "Actions speak louder than words.", "All that glitters is not gold.",
        "An apple a day keeps the doctor away.", "Beauty is in the eye of the beholder.", "Better late than never.",
        "Birds of a feather flock together.", "Curiosity killed the cat, but satisfaction brought it back.",
        "Do not count your chickens before they hatch.", "Do not put all your eggs in one basket.",
        "Early to bed and early to rise makes a man healthy, wealthy and wise.", "Every cloud has a silver lining.",
        "Fortune favours the bold.", "Good things come to those who wait.", "Great minds think alike.",
        "Honesty is the best policy.", "If at first you do not succeed, try, try again.", "It takes two to tango.",
        "Knowledge is power.", "Laughter is the best medicine.", "Let sleeping dogs lie.", "Look before you leap.",
        "Make hay while the sun shines.", "Many hands make light work.", "Necessity is the mother of invention.",
        "No man is an island.", "Practice makes perfect.", "Rome was not built in a day.", "The early bird catches the worm.",
        "The pen is mightier than the sword.", "There is no place like home.", "Time and tide wait for no man.",
        "Two heads are better than one.", "When in Rome, do as the Romans do.", "Where there is a will, there is a way.",
        "You can lead a horse to water, but you cannot make it drink.", "You cannot judge a book by its cover.",
        "A journey of a thousand miles begins with a single step.", "A watched pot never boils.",
        "Absence makes the heart grow fonder.", "Cleanliness is next to godliness.", "Don't bite the hand that feeds you.",
        "Half a loaf is better than none.", "He who laughs last laughs best.", "Idle hands are the devil's workshop.",
        "Still waters run deep.", "The grass is always greener on the other side of the fence.", "Waste not, want not.",
        "A computer lets you make more mistakes faster than any invention in human history, with the possible",
        "exceptions of handguns and tequila.", "There are two ways to write error-free programs; only the third one works.",
        "The best way to predict the future is to invent it.", "Simplicity is prerequisite for reliability.",
        "Premature optimization is the root of all evil.", "Any sufficiently advanced technology is indistinguishable",
        "from magic.", "To err is human, but to really foul things up you need a computer.",
    ];

    /// <summary>The lines, each followed by a "%" line as in the fortune files.</summary>
    public static string Value { get; } = string.Concat(Lines.Select(l => l + "\n%\n"));
}
