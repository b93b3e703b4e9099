"""The PNG figures of a run, one module per family, and the machinery they share.

For the reader of a run's folder and of the browser app, who sees the same figures: the
scores and grades (:mod:`.scores`), the lists (:mod:`.lists`), pariah spirals
(:mod:`.pariahs`), sanction cascades (:mod:`.cascades`), the innocent under sanction
(:mod:`.innocents`), two worlds compared (:mod:`.twins`), what happens to a record
(:mod:`.records`) and further scores and perks (:mod:`.systems`). For whoever draws a
figure: the run's context, caption, style and layout (:mod:`.base`), the colours
(:mod:`.palette`), drawing into files (:mod:`.saving`), which figures a run gets
(:mod:`.jobs`) and the legibility checks the tests apply (:mod:`.checks`).

Importing this package imports none of them.
"""
