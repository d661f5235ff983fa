"""The patterns behind ``sensitive.detect``, one list of findings and one of vetoes per category.

Each entry is a regular expression over the note's text, matched case-insensitively (an
``(?-i:...)`` group makes part of it case-sensitive, as for "Labour" or "Black"), bounded by
non-word characters, after runs of white space are collapsed to one space. A finding counts
unless a veto of its own category covers it entirely.

The categories are about a natural person: what a company, a hospital or a market is or
suffers is not a finding, which is why most findings name a person's condition, role or act
rather than a topic. The labelling rules are in ``scripts/data/sensitive/README.md``.
"""

from __future__ import annotations

from app.privacy.vocabulary import BODY, CRIME, OWNER, PEOPLE, RELATIVE, THEIR

FOUND: dict[str, tuple[str, ...]] = {
    "health": (
        r"surg[eu]r(?:y|ies)|operation on (?:his|her)|\w+ectomy|\w+ replacement surgery",
        r"(?:hip|knee|shoulder) replacement",
        r"(?:broke|broken|fractured?|tore|torn|sprained|dislocated|injured|hurt) (?:(?:his|her"
        r"|their|a|an) )?(?:(?:left|right|bad) )?(?:ankle|knee|hip|wrist|arm|leg|back|neck"
        r"|shoulder|foot|hand|ribs?|acl"
        r"|collarbone|elbow|pelvis|spine)",
        r"(?:gallbladder|appendix|tonsils|tumou?r|kidney|cyst) (?:removed|out)|(?:kidney|liver"
        r"|heart|lung|bone marrow) transplant",
        r"cancer|chemo(?:therapy)?|radiotherapy|radiation (?:therapy|treatment)|tumou?rs?"
        r"|oncologist|leukemia|lymphoma|melanoma",
        r"diabet(?:es|ic)|heart attack|heart (?:surgery|condition|problems?)|cardiac|(?:had"
        r"|suffered"
        r"|has had) an? (?:\w+ )?stroke|multiple sclerosis|has (?-i:MS)|parkinson's|alzheimer's"
        r"|dementia|epilep(?:sy|tic)|dialysis|seizures?|asthma|arthritis|lupus|crohn's|celiac"
        r"|coeliac|gluten intolerance|sleep apnea|migraines?|long covid|pneumonia|bronchitis"
        r"|(?:got|has|had|have|with|caught) (?:covid|the flu|flu)|concussion",
        r"(?:peanut|nut|shellfish|food|severe|bee|penicillin) allerg(?:y|ies)|allergic to (?:nuts"
        r"|peanuts|shellfish|penicillin|gluten|dairy|bees|eggs)",
        r"depress(?:ion|ed)|anxiety (?:disorder|attacks?)|(?:for|with|from) anxiety|panic attacks?"
        r"|bipolar|adhd|autis(?:m|tic)|dyslexi[ac]|ptsd|ocd|schizophreni\w+|eating disorder"
        r"|anorexi[ac]|bulimi[ac]|mental health (?:issues?|struggles?|problems?|leave|break|days?"
        r"|reasons)|(?:his|her) (?:mental |physical )?health|nervous breakdown|suicid\w+",
        r"therapist|(?:in|starts?|started|seeing|doing) therapy|antidepressants?|rehab"
        r"|(?:is|'s|been) in recovery|(?:is|'s|been|now|stayed|staying) sober|sober (?:now|for"
        r"|since)|alcoholi(?:c|sm)|addiction|(?:aa|na) meetings",
        r"(?:sick|medical|stress|disability) leave|(?:out|off|home|been|got|fell|is out|was out"
        r"|(?:he|she)(?:'s| is| was)) sick(?! of| and tired)"
        r"|called in sick|signed off (?:sick|by (?:his|her) (?:gp|doctor))|doctor's (?:orders"
        r"|appointment)|medical (?:condition|appointment|procedure|reasons|issues?|emergency)"
        r"|health (?:scare|reasons|condition|issues|problems)",
        r"hospitali[sz]ed|in (?:the )?hospital (?:for|with|after|since)|(?:is|was) in (?:the )?"
        r"hospital|hospice|nicu|icu (?:after|with|for)|intensive care|premature (?:baby|babies"
        r"|birth|twins)|born premature",
        r"pregnan(?:t|cy)(?! pause)|expecting (?:a |their |her |his )?(?:(?:first|second|third"
        r"|1st|2nd|3rd) )?(?:baby|child|kid|twins|boy|girl)|expecting their (?:first|second|third)"
        r"|ivf|fertility treatment|miscarriage|stillbirth",
        r"deaf(?! ears)|hard of hearing|hearing aids?|blind in (?:one|both|his|her|the)|(?:is"
        r"|legally"
        r"|partially|colou?r|going|went) blind|wheelchair|crutches|disabled (?:brother|sister|son"
        r"|daughter|child|kid|mother|father|mom|dad|parent|wife|husband|veteran)|(?:is|'s) disabled"
        r"|disability|amputee|chronic (?:pain|back pain|illness|fatigue|condition)",
        r"(?:had|having|has|needs|after) (?:an |a |his |her )?(?:\w+ )?operation|biopsy|mri scan"
        r"|(?:doctor|dentist|hospital|specialist|medical)'?s? appointment|(?:visually|hearing)"
        r" impaired|insulin|hypertension|high blood pressure|cholesterol|illness|(?:is|fell|been"
        r"|seriously|terminally|very) ill",
        # Open-ended vocabulary: conditions by their form, body parts with what happens to them,
        # treatments, places of care.
        r"\w+itis|carcinoma|glaucoma|myeloma|sarcoma|mesothelioma|glioblastoma|(?:in|into|out of)"
        r" (?:a )?coma|neuropathy|cardiomyopathy|retinopathy|an(?:a)?emi[ac]|macular degeneration",
        r"\w+'s (?:disease|syndrome)|tourette'?s|\w+ disorder|(?:heart|kidney|liver|lung|lyme"
        r"|celiac|coeliac|autoimmune|motor neuron|rare) disease(?! (?:management|area|franchise"
        r"|portfolio|unit|team|division|space|program))|cerebral palsy|down syndrome|spina bifida"
        r"|cystic fibrosis|sickle cell|hiv|hepatitis|tuberculosis|fibromyalgia|endometriosis"
        r"|pcos|menopause|vertigo|tinnitus|kidney stones?|gout|shingles|sepsis|stammer|stutter"
        r"|(?:ear|sinus|kidney|bladder|chest|lung|urinary|bacterial|viral|staph) infection",
        rf"(?:his|her|a|an|the) (?:\w+ )?{BODY} (?:removed|out|done|fixed|replaced|operated on"
        rf"|surgery|operation|injury|problems?|pain|issues?|condition|infection|transplant)"
        rf"|{BODY} (?:surgery|operation|injury|transplant|replacement|infection)",
        r"(?:on|taking|takes|prescribed) (?:blood thinners|insulin|meds|medication|oxygen"
        r"|antibiotics|steroids|chemo|dialysis|a ventilator|painkillers|methadone)|blood thinners"
        r"|blood clot|a clot|dvt|embolism|aneurysm|heart (?:failure|disease|murmur|issues)"
        r"|pacemaker|stents?|(?:heart|gastric|triple|double|quadruple|coronary) bypass|physio"
        r"|physiotherapy|physical therapy|chiropractor|root canal|dental surgery|anaphyla\w+"
        r"|epipen|allergic reaction",
        r"(?:in and out of|admitted to|discharged from|back from|stay in|stayed in|rushed to)"
        r" (?:the )?(?:hospital|er|a&e|icu|emergency room|rehab|hospice)|(?:oncology|cancer"
        r"|maternity|psychiatric|psych|cardiac|cardiology|burns?|stroke) (?:ward|unit|clinic)"
        r"|emergency room|a&e",
        r"(?:walks with|has|with) a limp|limp(?:s|ing)(?! along)|(?:car|bike|motorbike|motorcycle"
        r"|skiing|cycling|riding) (?:crash|accident)|after (?:his|her) (?:bad |nasty )?fall"
        r"|(?:had|took) a (?:bad |nasty )?fall|off work (?:with|for|after)|recovering from (?:a |an"
        r" |his |her )?(?:\w+ )?(?:surgery|operation|illness|injury|stroke|heart attack|accident"
        r"|crash|infection|covid|flu|burnout|breakdown|fall)",
        r"colou?r ?blind(?:ness)?|(?:eyesight|hearing) (?:is|'s) (?:going|failing|bad|poor)"
        r"|(?:losing|lost) (?:his|her) (?:sight|hearing|vision|eyesight)|vision loss|hearing loss",
        r"psychiatrist|psychologist|mental illness|breakdown|postpartum|(?:opioid|opiate"
        r"|painkiller|alcohol|drug|substance|nicotine|gambling|cocaine|heroin) (?:dependency"
        r"|dependence|addiction|abuse|problem|habit)|detox|relapsed?|(?:in|entered|completed"
        r"|finished|back from) (?:a |the )?(?:\w+ )?(?:treatment|rehab|detox|recovery)"
        r" (?:program|programme|center|centre|facility|clinic)",
        r"c-section|gave birth|giving birth|due date",
        r"\w+oscopy|(?:pulled|strained|tore|torn|ruptured|slipped|herniated) (?:a |his |her )?"
        r"(?:\w+ )?(?:ligament|tendon|muscle|hamstring|achilles|disc|calf|groin)|(?:has|got|with"
        r"|'s got) type (?:1|2|one|two)\b",
        r"(?:cardiolog|neurolog|oncolog|dermatolog|rheumatolog|endocrinolog|gastroenterolog"
        r"|urolog|gynaecolog|gynecolog|obstetric|psychiatr|hematolog|nephrolog|pulmonolog)\w*"
        r"|palpitations|arrhythmia|afib|allerg(?:y|ies)|(?:gluten|dairy|lactose|soy|wheat|latex"
        r"|pollen) intolerance",
    ),
    "religion": (
        r"religio(?:n|us)|(?:his|her) faith|interfaith|atheist|agnostic|devout|devotee|pious",
        r"church|mosque|synagogue|shrine|parish|congregation|(?:buddhist|hindu|sikh|jain|iskcon"
        r"|jewish|shinto|the|to|at) temple|gurdwara|bible study|(?:reads?|quotes?) the bible",
        r"prays|prayers?|worship(?:s|ping)?|mass (?:daily|every)|(?:to|at|attends?|daily|sunday)"
        r" mass|communion|bapti[sz]ed|confirmation class|bar mitzvah|bat mitzvah|pilgrimage",
        r"ramadan|eid|diwali|navratri|(?-i:Lent)|shabbat|sabbath|yom kippur|rosh hashanah|passover"
        r"|hanukkah|jummah|hajj|umrah|vaisakhi|kosher|halal",
        r"catholics?|protestants?|christians?|evangelical|muslims?|islam(?:ic)?|jews?|jewish"
        r"|judaism"
        r"|hindus?|hinduism|buddhis[mt]s?|sikhs?|jains?|mormons?|lds church|quakers?|jehovah's"
        r" witness(?:es)?|scientolog(?:ist|y)|pagan|wiccan|shinto|taoist|rastafarian|baptists?"
        r"|methodists?|anglicans?|lutherans?|pentecostal|adventists?|born-again|orthodox (?:jew"
        r"|jewish|christian|church)|(?:greek|russian|coptic) orthodox|converted to (?:islam|judaism"
        r"|catholicism|christianity|buddhism|hinduism|sikhism|orthodoxy)",
        r"priest|pastor|deacon|rabbi(?:'s)?|imam|nun|monk|vicar|bishop of|reverend|clergy"
        r"|kippah|yarmulke|hijab|niqab|burqa|turban",
        r"baha'?is?|zoroastrian|parsi|druze|yazidi|sufi|sunni|shia|shiite|amish|mennonite"
        r"|unitarian|episcopalian|presbyterian|seventh-day|latter-day saints|opus dei|lenten"
        r"|ekadashi|vaishnava|shaivite|torah|quran|koran|talmud|yeshiva|seminary|sunday school"
        r"|bible school|mission trip|crucifix|rosary|prayer beads|tallit|tefillin|minister at"
        r" (?:the|his|her) church|lay minister|wears? (?:a|his|her) cross",
        r"shabbos|friar|franciscan|jesuit|benedictine|monastery|convent",
    ),
    "politics": (
        r"(?-i:Republicans?|Democrats?|Democratic Party|Tory|Tories|Labour (?:voter|supporter"
        r"|member"
        r"|party|mp|councillor|candidate))|(?:votes?|voted|voting|supports?"
        r"|supporter of) (?-i:Labour)",
        r"(?-i:[A-Z][a-z]+ Party)|lib ?dems?|liberal democrats?|snp|ukip|reform uk|afd|cdu|spd"
        r"|(?:conservative|labour|green|liberal|democratic|republican) party",
        r"(?:political|social|fiscal|fiscally|staunch|die-hard|lifelong|small-government|classic)"
        r" conservative|small-government|big-government",
        r"(?:trump|biden|obama|clinton|sanders|bernie|harris|meloni|macron|le pen|farage|corbyn"
        r"|starmer|sunak|modi|bolsonaro|lula|merkel) (?:supporter|voter|fan|campaign|rally|hat"
        r"|sign|administration)s?|(?:supports?|supported|voted for|votes for|hates|loves|fan of"
        r"|complained about|admires) (?:trump|biden|obama|clinton|sanders|bernie|meloni|macron"
        r"|le pen|farage|corbyn|starmer|sunak|modi|bolsonaro|lula)|maga|feel the bern",
        r"(?:votes?|voted|voter|voting) (?:for |against )?(?-i:[A-Z]\w+)|registered (?:independent"
        r"|democrat|republican|voter)|poll worker",
        r"(?:running|ran|runs|run|stood|standing|candidate|campaign(?:ing"
        r"|ed)?) for (?:the )?(?:city"
        r" |town |county |local |state |school )?(?:council|mayor|congress|senate|parliament"
        r"|office|governor|school board|assembly)|(?:sits|serves|seat|elected) on the (?:town|city"
        r"|county|parish|borough) council|council(?:l)?or|councilman|councilwoman|alderman"
        r"|state senator|state representative|congress(?:man|woman)",
        r"(?:political|politically) (?:views|opinions?|beliefs|party|activist|activism|leanings"
        r"|campaign|active|left|right|progressive|conservative|liberal)|progressive politically"
        r"|(?:his|her|local|national) politics",
        r"left-wing|right-wing|far-left|far-right|leftist|socialist|communist|anarchist|libertarian"
        r"|marxist|fascist|nationalist|pro-life|pro-choice|anti-abortion|abortion (?:ruling|rights"
        r"|law)|gun rights|nra|second amendment|aclu|extinction rebellion|planned parenthood"
        r"|black lives matter|antifa",
        r"activists?|rally (?:against|for)|(?:went to|attended|organi[sz]ed|at) (?:a|the) (?:\w+ )?"
        r"rally|(?:at|in|a|the|to) (?:\w+ ){0,2}protests?|marched (?:in|for|against)"
        r"|climate strike|donat(?:es|ed|ing) to (?:the )?(?:\w+ )?campaign|independence campaign"
        r"|campaigns? for (?:\w+ )?independence|campaign(?:s|ed|ing)? against",
        r"(?-i:Dems?|GOP|Greens)|precinct captain|precinct committee|(?:party|political) convention"
        r"|(?:party|campaign) (?:delegate|volunteer|donor|official|activist|member|organi[sz]er"
        r"|worker)|feminist|(?:is|'s) an? (?:\w+ )?(?:liberal|conservative|progressive|lefty"
        r"|leftie|centrist|right-winger|socialist|tory|democrat|republican)",
        r"(?:sits on|member of|elected to|runs for|running for|ran for) the (?:district|state"
        r"|regional|national|county) (?:assembly|legislature|parliament|senate)|state rep"
        r"(?:resentative)?|state house|city hall|the legislature|(?:as an|registered) independent",
        r"votes? (?:republican|democrat|labour|tory|green|conservative|liberal|left|right|reform)"
        r"|(?:pro|anti)-(?:trump|brexit|immigration|gun|abortion|choice|life|vaccine|vax|israel"
        r"|palestine|war|nuclear|union)|(?:signed|started|organi[sz]ed) a petition|bjp|likud"
        r"|podemos|psoe|die linke",
        r"sinn f[eé]in|plaid cymru|(?-i:Democratic|Republican|Reform) (?:campaign|candidate|club"
        r"|committee|primary|nominee|voter|supporter|member)",
        r"(?-i:Conservative|Labour|Republican|Democratic|Green|Liberal) (?:politics|association"
        r"|club|councillor|candidate|activist)|(?:local|national|party|electoral) politics"
        r"|(?:ward|constituency) (?:association|party)|fdp|csu|vocal about (?:\w+ ){0,3}(?:israel"
        r"|palestine|gaza|immigration|abortion|politics|the war|trump|brexit)|(?:his"
        r"|her) (?:political"
        r" )?views on (?:\w+ ){0,2}(?:israel|palestine|gaza|immigration|abortion|guns?|brexit"
        r"|trump|the war|ukraine|russia|politics|the election)",
    ),
    "sexual_orientation": (
        r"gay|lesbians?|bisexual|pansexual|asexual|homosexual|heterosexual|queer|lgbt\w*"
        r" (?:employee|staff|network|group|erg)s?|(?:is|'s|being) bi(?!-)|(?:is"
        r"|'s) straight(?! (?:to"
        r"|up|away|answer|forward|talk|shooter|with|through|into|from|line|out))",
        r"came out as|coming out (?:story|as)|out as (?:gay|lesbian|bi|trans|queer)",
        r"trans (?:woman|man|women|men|person|people|kid|daughter|son)|(?:is|'s) trans(?!-)"
        r"|transgender|transitioning(?! (?:to|from|the|our|their|off|over|into|away|out|its)\b)"
        r"|non-binary|nonbinary|genderqueer|genderfluid|they/them|she/they|he/they",
        r"(?:his|he and his) (?:husband|boyfriend|ex-boyfriend)|(?:her|she and her) (?:wife"
        r"|girlfriend|ex-girlfriend)|two (?:moms|mums|dads)|dates (?:men|women|guys|girls)"
        r"|(?:his|her|both) partners",
        r"(?:having|had|has) an affair|affair with|sleeping with|cheating on|one-night stand"
        r"|hooking up with|dating apps?|tinder|grindr|(?-i:Hinge)|bumble|celibate|polyamor\w+"
        r"|open relationship|sex life|sexual orientation|sexuality",
        r"(?:is|are|has been|have been|started|been) (?:seeing|dating) (?:someone|a (?:guy|girl"
        r"|woman|man)|each other)|same-sex (?:partner|couple|marriage|spouse)|civil partnership"
        r"|civil union|(?:uses|use|going by|goes by) (?:she/her|he/him|they/them|ze/zir|xe/xem)"
        r"(?: pronouns)? now|new pronouns|changed (?:his|her|their) pronouns|transitioned(?! (?:to"
        r"|from|the|our|their|off|over|into|away|out|its|roles?|teams?|jobs?)\b)",
        r"(?:his|he and his) ex-husband|(?:her|she and her) ex-wife",
        r"sleeping together|slept together|hooked up with|left (?:his|her) (?:wife|husband"
        r"|partner|girlfriend|boyfriend) for",
    ),
    "ethnicity": (
        r"ethnic(?:ity|ally)?|racial|racially|mixed[- ]race|(?:his|her|their) race|person of"
        r" colou?r|people of colou?r|ethnic minority|(?:is|as) an? (?:\w+ )?minority",
        rf"(?:is|'s|are|was|were|am) (?:half |part |proudly |an? |(?:first|second|third)-generation"
        rf" |han )?{PEOPLE}(?:[- ](?:{PEOPLE}|american|canadian|british|australian))?(?! (?:company"
        rf"|subsidiary|entity|office|team|market|business|site|branch|bank|firm|brand|retailer"
        rf"|manufacturer|group|startup|insurer|telco|client|customer|vendor|supplier|partner"
        rf"|distributor|university|school|hospital|agency|government|ministry|multinational))",
        rf"{PEOPLE}[- ](?:american|canadian|british|australian|born|descent|heritage|ancestry"
        rf"|origin|roots|background|family|parents|grandparents|immigrants?)",
        rf"(?:half|part|third-generation|second-generation|first-generation) {PEOPLE}",
        rf"{PEOPLE} (?:{PEOPLE})",
        r"(?:of|with) \w+ (?:descent|origin|ancestry|heritage|roots)|descent|ancestry|(?:his|her)"
        r" roots|heritage(?! (?:brand|bank|site|building|foundation|trust|fund|insurance|hotel"
        r"|month|collection|products?))",
        r"(?:black|white|asian|latino|latina|hispanic|caucasian|arab|indigenous|native american"
        r"|african american) (?:guy|man|woman|women|men|male|female|exec|executive|person|people"
        r"|lady|ceo|cfo|cto|founder|engineer|leader)s?|(?:only|first) (?:black|latina|latino"
        r"|hispanic|asian)|(?-i:Black|White|Asian) (?:and|guy|woman|man)|is (?-i:Black|White)"
        r"|latin[aox]|latinx|hispanic|caucasian|biracial|multiracial|native american|african"
        r" american|asian american|aboriginal|first nations|\w+ nation(?=;|,| member| tribe)",
        r"emigrated|immigrated|immigrants?|refugees?|(?:parents|grandparents|family|ancestors"
        r"|folks) (?:came|come|are|were|fled|moved)(?: over)? from|originally from|moved here from"
        r" (?-i:[A-Z])\w*|came over (?:at|when|as a)|born (?:and raised )?in (?-i:[A-Z])\w*"
        r"|grew up in"
        r" (?:\w+ ){0,2}(?:in )?an? \w+ (?:\w+ )?family",
        r"native (?:hawaiian|alaskan)|pacific islander|inuit|m[ée]tis|torres strait islander"
        r"|racism|racist|discriminat\w+"
        r" (?:as|for being) an? \w+|chican[ao]|mestiz[ao]|uyghur|pashtun|hazara|sinhalese|telugu"
        r"|malayali|marathi|sindhi|afrikaner|berber|amazigh|bedouin|assyrian|chaldean|kurd",
        r"(?:is|'s|are|was|were) (?:half |part )?(?:hawaiian|tongan|fijian|trinidadian|bajan"
        r"|barbadian|liberian|cameroonian|ivorian|malian|tanzanian|zambian|angolan|south african"
        r"|bolivian|paraguayan|uruguayan|honduran|nicaraguan|costa rican|panamanian|cajun|kazakh"
        r"|uzbek|mongolian|nepalese|okinawan|sami|basque|catalan|sicilian|cypriot|kosovar"
        r"|macedonian|slovenian|moldovan|belarusian|latvian|estonian|georgian|azeri|chechen"
        r"|tatar|emirati|saudi|yemeni|jordanian|libyan|tunisian|malay|singaporean|iranian"
        r"|afghan|pakistani)",
        rf"(?:first|second|third|1st|2nd|3rd)[- ]gen(?:eration)? (?:immigrant|american|canadian"
        rf"|british|australian|{PEOPLE})|(?:parents|grandparents|family|ancestors|folks) (?:fled"
        rf"|left|escaped) (?-i:[A-Z])\w*",
    ),
    "trade_union": (
        # A person's union, not a workforce's: "the union contract" or "the union stewards" say
        # nothing about anyone in particular.
        r"(?:(?:in|of|joined|join|joining) (?:the|a|his|her)|(?:his|her)|organi[sz](?:e|ed|ing)"
        r" (?:a|the)|(?:form|formed|forming|start|started) (?:a|the)) (?:\w+'?s?'? )?union"
        r"(?! (?:contract|agreement|rules|with|of|partner))|(?:trade|labou?r|teachers'?|nurses'?"
        r"|machinists'?|pilots'?|workers'?|tech workers) union(?! (?:contract|agreement|rules|work"
        r"|jobs?|shops?|sites?|plants?|workforce|staff))",
        r"union (?:rep|representative|steward|member|membership|dues|organi[sz]er|organi[sz]ing"
        r"|drive|delegate|president|leader|boss|official|convenor|convener|executive|meetings"
        r"|card|activist|chapter president|branch secretary|bargaining committee|bargaining team"
        r"|guy|man|woman)|union's (?:[\w&]+ ){0,3}(?:rep|representative|steward|delegate"
        r"|organi[sz]er|convenor|officer)",
        r"shop steward|trade unionist|unioni[sz](?:e|ing)|picket(?:ed|ing|s)?|(?:went|go|going"
        r"|was|were|is|are|be) (?:out )?on strike|strikers?|strike (?:action|ballot|pay)"
        r"|bargaining (?:team|committee|unit)",
        r"teamsters?(?! (?:contract|agreement))|uaw|seiu|afscme|afl-cio|(?-i:AFT)|(?-i:NEA)"
        r"|(?-i:NEU)"
        r"|(?-i:NUT)|nasuwt|(?-i:UNISON|Unison)|(?:in|of|with|joined) (?-i:Unite)|gmb|cwa|ibew"
        r"|ufcw|unifor|cupe|ig metall|ver\.di|(?-i:CGT|CFDT)|rmt|aslef|balpa|inmo|usw|writers'?"
        r" guild|wga|sag-aftra|usdaw|cwu|unite here|workers united",
        r"(?-i:Unite) (?:rep|member|organi[sz]er|steward|official|convenor)|union (?:electrician"
        r"|carpenter|plumber|ironworker|pipefitter|teacher|nurse|driver|member|card)"
        r"|(?:organi[sz]ing|organi[sz]ed|rallying) (?:his|her|the) (?:co-?workers|colleagues"
        r"|team) (?:to|into)",
    ),
    "criminal": (
        r"arrest(?:ed)? (?:for|at|in|after|last|over|on|during)|(?:was|got|been|were|wrongly)"
        r" arrested|under arrest|house arrest|(?:his|her) arrest|arrest (?:record|warrant)",
        rf"convicted|(?:his|her|prior|previous|criminal|{CRIME}) convictions?",
        r"prison|jail(?:ed)?|imprisoned|incarcerated|behind bars|penitentiary|served time|did time"
        r"|doing time|served \w+ (?:months|years)|ex-con|convicts?|felon|felony|misdemeanou?r"
        r"|criminal (?:record|charges?|conviction|past|history|case|offen[cs]es?|investigation"
        r"|complaint)",
        rf"(?:charged|prosecuted|indicted|sentenced|busted|jailed|accused|investigated|fined"
        rf"|booked)"
        rf" (?:with|for|of) (?:\w+ ){{0,2}}{CRIME}|indicted|indictment|prosecuted|sentenced"
        rf"|suspended sentence|(?:prison|jail) sentence|pleaded guilty|pled guilty|pleaded no"
        rf" contest|on parole|parole|on probation|probation officer|awaiting trial|stood trial"
        rf"|on trial|acquitted|(?:facing|faces|pending) charges|charges (?:were )?(?:dropped"
        rf"|pending|filed)|pressed charges|{CRIME} charges?",
        r"caught (?:with (?:cocaine|drugs|weed|a gun)|embezzling|stealing|shoplifting|drink[- ]"
        r"driving|drunk[- ]driving|speeding|dealing)|under (?:police|criminal|fbi|federal)"
        r" investigation|raided by (?:the )?(?:police|fbi|sec|irs)|cautioned by (?:the )?police"
        r"|police caution|did community service|community service (?:after|for|order)|sex offender"
        r"|dui|dwi|drink[- ]driving|drunk[- ]driving"
        r"|driving under the influence",
        r"(?:got|been|was|were|is|are) locked up(?! (?:in|until|till|for the))|doing (?:\d+|two"
        r"|three|four|five|six|seven|eight|nine|ten) (?:years|months)(?! (?:at|with|in|as|of|for"
        r" the))|(?:serving|served) (?:a )?(?:\d+|\w+)[- ](?:year|month) (?:sentence|stretch|term)"
        r"|ankle monitor|electronic tag|mugshot|court date|(?:criminal|court) case against"
        r"|plea deal|guilty plea|out on bail|made bail|posted bail|bail hearing|warrant for (?:his"
        r"|her) arrest|picked up by (?:the )?(?:police|cops)|(?:police|cops) (?:arrested|picked up"
        r"|questioned|charged)",
        r"did (?:\d+|\w+) (?:months|years) (?:for|in)|under (?:(?:police|criminal|fbi|federal|sec"
        r"|doj|irs|and) ){1,4}investigation",
        rf"{CRIME} (?:case|trial|arrest)|juvenile detention|juvie|detention cent(?:er|re)"
        rf"|youth custody",
    ),
    "family": (
        rf"{THEIR} {RELATIVE}(?:'s)?|(?:kid|kids|son|daughter|children)'s|{RELATIVE} (?:of"
        rf" (?:two|three|four|five))|(?:dad|mom|mum|mother|father|parent) of (?:two|three|four"
        rf"|five|\d)|single (?:mom|mum|dad|parent|mother|father)|his wife|her husband",
        r"(?:married|marriage|wedding|remarried|honeymoon|divor[cs]ed?|widow(?:ed|er)?|(?:is|are"
        r"|got"
        r"|recently|just) separat(?:ed|ing)|separated from (?:his|her)|custody (?:battle|of (?:his"
        r"|her|the) (?:kids|children))|child support|childcare"
        r"|child care|bereavement|maternity|paternity|parental leave|in-laws"
        r"|kindergarten|daycare|preschool|pickup|little league|stepkids|grandkids|twins|newborn)",
        r"(?:had|has|having|expecting|adopted|lost|trying for) (?:a |their |her "
        r"|his )?(?:\w+ )?baby"
        r"|baby (?:girl|boy|shower)|pregnan(?:t|cy)(?! pause)|ivf|miscarriage|stillbirth",
        r"family (?:emergency|reasons|matters|issues|leave|situation|vacation|holiday|trip|event"
        r"|commitments|obligations|time|crisis|tragedy|illness|member)|(?:his|her|own) family",
        r"(?:a |their )?(?:kids?|children|son|daughter|boyfriend|girlfriend|fianc[ée]e?|wife"
        r"|husband|spouse)",
        r"got engaged|engagement ring|is engaged to|(?:caring|cares|care) for (?:his|her)"
        r"|(?:his|her|both) partners|(?:primary|family|full-time) (?:carer|caregiver)|adopt(?:ed"
        r"|ing) (?:a |their |his |her )?"
        r"(?:\w+ )?(?:child|baby|son|daughter|kids?|girl|boy)|(?:just|recently) adopted"
        r"|adoption (?:agency|process|paperwork)",
        r"(?:mother|father|brother|sister|son|daughter)s?[- ]in[- ]law|teens|teenagers|raising"
        r" (?:\w+ ){0,2}(?:kids|children|teens|teenagers|twins|daughters?|sons?|grandkids|a family)"
        r"|(?:borrow\w*|loans?|money) from (?:his |her )?(?:family|parents|relatives)",
        r"has (?:\w+ )?family (?:still )?(?:in|back)|postpartum|(?:his|her|'s) (?:youngest|eldest"
        r"|oldest|middle one|little one)(?! (?:customers?|clients?|accounts?|products?|sites?"
        r"|plants?|stores?|branch\w*|contracts?|deals?|vendors?|partners?|employees?|members?))",
        r"(?:comes from|from) a (?:big|large|small|huge|close|close-knit) (?:\w+ )?family"
        r"|left (?:his|her) (?:wife|husband|partner) for",
    ),
    "financial_distress": (
        r"underwater on (?:his|her|their|the) (?:mortgage|loan|house|home|car)|foreclos(?:ure|ed"
        r"|ing)|personal bankruptcy|declared (?:personal )?bankruptcy|personally bankrupt"
        r"|chapter (?:7|13)|(?:is|'s|was|went|now|totally|completely|flat) (?:broke|bankrupt)"
        r"(?! (?:the|ground|even|down|out|through|records?|into|up|in|a|our|their|it)\b)",
        r"(?:credit card|gambling|personal|student|medical|crippling|mounting) debts?|in debt"
        r"|debt (?:counsel(?:l)?ing|relief|advice)|owes? (?:the irs|money|back taxes)|back taxes"
        r"|payday loans?|until payday|garnish(?:ed|ment)|repossess(?:ed|ion)|evict(?:ed|ion)"
        r"|threatening to evict",
        r"behind on (?:his |her |the |their )?(?:own )?(?:rent|mortgage|payments|bills"
        r"|car payments)"
        r"|arrears on (?:his|her) \w+|make ends meet|paycheck to paycheck|hand to mouth"
        r"|(?:afford|pay|cover|pay off) (?:his|her) (?:\w+'s )?(?:\w+ ){0,2}(?:bills?|rent"
        r"|mortgage|braces|tuition|loans?|debts?|fees)|(?:he|she) (?:can't|cannot|couldn't|can"
        r" barely|could barely) afford|struggling to (?:keep up with|pay)",
        r"(?:using|uses|relies on|rely on|relying on|visits?|going to) (?:the |a )?food banks?"
        r"|(?:took|taking|working|works|juggling|holding down) (?:a )?(?:second|two|three) jobs?"
        r"|rebuild\w* (?:his|her) credit|credit score (?:tanked|crashed|is shot|dropped)|bad credit"
        r"|maxed out (?:his|her) credit cards?|defaulted on (?:his|her|a) (?:loan|mortgage)"
        r"|(?-i:IVA)|individual voluntary arrangement|debt relief order",
        r"struggling financially|financially struggling|personal financ\w+|financial hardship"
        r"|(?:he|she)(?:'s| is| has been) (?:in|having) financial (?:trouble|difficult\w+|problems)"
        r"|money(?:'s| is) (?:\w+ ){0,2}tight at home|lost (?:a lot|everything|his savings|her"
        r" savings) (?:in|on) (?:crypto|stocks|the market|gambling)",
        r"(?:can't|cannot|couldn't|can no longer|could no longer|struggl\w+ to) (?:afford|pay"
        r"|cover) (?:the |his |her |their )?(?:rent|mortgage|bills|daycare|childcare|tuition"
        r"|groceries"
        r"|medical bills|car payments?|loans?|school fees|braces|food)|(?:cover|pay|make) (?:the"
        r" |his |her )?rent|(?:borrow\w*|loans?|money) from (?:his |her )?(?:family|parents"
        r"|relatives|friends)",
        r"(?:his|her|personal|car|student) (?:\w+ )?(?:loan|debt|bill|card|mortgage) (?:went|got"
        r"|was sent|is|has gone) (?:into|to|in) collections|debt collectors?|(?:only|sole)"
        r" (?:earner|breadwinner)|one income|(?:husband|wife|partner|spouse) (?:got |was "
        r"|has been )?(?:laid"
        r" off|fired|let go)",
        r"(?:drowning|buried|deep) in (?:\w+ ){0,2}(?:debt|loans|bills)|(?:husband|wife|partner"
        r"|spouse) (?:just |recently )?(?:lost (?:his|her|their) job|is unemployed|is out of work)",
    ),
}

VETOED: dict[str, tuple[str, ...]] = {
    "health": (
        r"surgery on (?:the|their|our|its) (?:\w+ )?(?:data|code|schema|model|pipeline|process"
        r"|account|contract|deal|org)\w*",
        r"cancer (?:center|centre|institute|research|society|hospital|charity)",
        r"(?:great|economic) depression",
        r"(?:covid|flu) (?:season|era|period|times|lockdowns?|pandemic|restrictions)",
        r"mental health (?:app|company|startup|platform|provider|vertical|benefits?)",
        r"(?:deal|project|renewal|pilot|contract|opportunity)'?s? (?:is )?in (?:the )?icu",
        r"disability (?:insurance|access|audit)",
        r"depressed (?:prices|demand|markets?|sales|margins|volumes|valuations?)",
        r"(?:account|customer|system|instance|platform|data|deal|pipeline|portfolio|financial"
        r"|database|cluster|api|integration|service) health (?:scare|reasons|condition|issues"
        r"|problems)",
        r"\w+ (?:disorder|syndrome) (?:at|in|of) (?:the |their |our )?(?:company|team|org|vendor)",
        r"(?:shiny object|not invented here|imposter|impostor) syndrome",
        r"(?:the |a |our |their )?(?:\w+ )?(?:malware|ransomware|virus) infection",
        r"(?:data|project|deal|pipeline|budget|revenue|sales) (?:\w+ )?(?:breakdown|relapse\w*)",
        r"(?:cost|price|pricing|revenue|budget|sales|time|line[- ]item) breakdown",
        r"(?:the|a|our|their) (?:\w+ )?(?:back|heart) (?:office|end|of the (?:deal|house)|issues"
        r" with)",
    ),
    "religion": (
        r"church (?:street|st|road|rd|lane|hill)",
        r"(?:(?:the|at|to) )?temple (?:university|bar|street|st|health)",
        r"(?:catholic|jewish|islamic|christian|methodist|baptist|lutheran|adventist) (?:hospital"
        r"|health|university|college|school|charit\w+|network|bank|finance|community center)\w*",
        r"(?:ramadan|diwali|eid|christmas|easter|hanukkah) (?:is |)(?:peak|sales|season|campaign"
        r"|promo\w*|rush|freeze)",
        r"halal (?:certification|certified|products?|food production|module)",
        r"kosher (?:certification|certified)",
        r"bishop (?:street|road)",
        r"(?:is|'s|are|was|being) religious about|like a religious \w+",
    ),
    "politics": (
        r"(?:office|internal|company|corporate|team|org|department|sales|vendor|inter-team)"
        r" politics",
        r"politics (?:between|at|in) (?:the |their )?(?:it|finance|sales|marketing|office|teams?)",
        r"(?:christmas|holiday|summer|office|team|launch|birthday|pizza|third|first|second|working"
        r"|contracting) party",
        r"activist (?:investors?|funds?|shareholders?|hedge funds?)",
        r"(?:the|a|our|their) (?:board|committee|council|team|panel|steering committee) (?:\w+ )?"
        r"votes?",
        r"council(?:l)?or (?:at|for) (?:the )?(?:customer|user|advisory)",
        r"(?:the |a |their |our )?(?:\w+ )?under protest",
        r"(?:committee|board|team|panel|council|they|group|everyone|users) (?:\w+ )?vot\w+"
        r" (?:for |against )?\w+",
        r"strike(?: \w+){0,10} (?:at|to) the rally|(?:strike|union|picket) rally",
    ),
    "sexual_orientation": (
        r"gay (?:street|st|avenue|ave|road)",
        r"sex offender",
        r"dating apps? (?:company|companies|startup|business|client|market|vertical)",
        r"(?-i:Gay [A-Z]\w+)",
    ),
    "ethnicity": (
        r"(?:black|white|asian) (?:friday|paper|list|label|box|tie|out|hat|board)",
        r"ethnic (?:food|foods|grocery|market|aisle|cuisine)",
        r"anti-racis\w+|racism (?:training|policy|policies|statement)",
        r"native american (?:tribal|tribes?|communities|clinics|casinos?|lands?|reservations?"
        r"|health|markets?|nations?|owned)",
    ),
    "trade_union": (
        r"(?:european|soviet|african|credit|postal|customs|student|students') union",
        r"union (?:of|with|partner|all)",
        r"(?:the|a) union (?:of|with|between)",
        r"strike price|lightning strike",
        r"civil union|(?:a |in a )?civil (?:union|partnership)",
    ),
    "criminal": (
        r"victims? of (?:a |an )?(?:\w+ ){0,3}(?:fraud|attack|theft|crime|scam|breach|hack)\w*",
        r"(?:fraud|crime|theft|loss) (?:detection|prevention|analytics|team|ops|screening"
        r"|monitoring|risk|models?|rules|cases|module|vertical)",
        r"(?:prison|jail|probation|parole) (?:healthcare|health|services|system|facilities"
        r"|contract|phone|departments?|offices?|agenc\w+|software|module|period)",
        r"criminal justice",
        r"arrested (?:the|a|our|their) (?:\w+ )?(?:slide|decline|drop|fall|churn)",
        r"with (?:real |great |such |total )?convictions?",
        r"sentence-level|free trial|trial (?:period|account|licen[cs]e)",
    ),
    "family": tuple(
        OWNER + veto
        for veto in (
            r"(?:child|parent|sister|brother|daughter|mother|baby|partner) (?:company|companies"
            r"|brand|accounts?|entit\w+|orgs?|records?|tickets?|objects?|nodes?|tables?|pages?"
            r"|issues?|tasks?|process\w*|sites?|steps|program|portal|network|ecosystem|manager"
            r"|team|agreement|tier|level|status|firm|in crime)",
            r"family (?:office|business|of|owned|run)|family-(?:owned|run)|product family",
            r"father of (?:the|their|our|modern|\w+)|(?:father's|mother's) day|big brother",
            r"kids'? (?:clothing|apparel|wear|toys?|retailer|brand|products?|market|segment|menu"
            r"|books)",
            r"mom[- ]and[- ]pop|mum[- ]and[- ]dad|digital twins?|(?-i:Sister [A-Z]\w*)",
            r"married (?:to )?(?:the|their|our|its|two|both)\b",
            r"(?:divorce|separation|marriage) (?:from|with|of) (?:their|the|our|its)\b",
            r"wedding (?:venue|industry|planners?|dress|business|market|season|vertical|chain)s?",
            r"honeymoon (?:period|phase)",
            rf"(?:parents|grandparents|family|ancestors|folks) (?:is|are|were|came|emigrated"
            rf"|immigrated|fled|moved)(?: over)?(?: originally)? (?:from|(?:devout |very )?"
            rf"(?:{PEOPLE}|hindus?|muslims?|jewish|catholics?|christians?|buddhists?|sikhs?"
            rf"|religious|immigrants|refugees))",
            r"(?:kids|children)'s (?:hospital|museum|charity)",
            r"pickup (?:truck|order|point|window|location|times?)",
            r"on (?:his|her) (?:mother|father|mom|dad|mum)'s side",
            r"(?:married|wedded) to (?:excel|sap|oracle|salesforce|microsoft|google|aws|azure"
            r"|workday|spreadsheets?|paper|legacy \w+|\w+ (?:system|tool|platform|vendor|stack"
            r"|process))",
            r"divorce (?:from|with) (?:excel|sap|oracle|salesforce|microsoft|google|aws|azure"
            r"|workday)",
            r"(?:parents|grandparents|family|ancestors|folks) (?:fled|left|escaped) (?-i:[A-Z])\w*",
        )
    ),
    "financial_distress": (
        r"foreclosure (?:processing|workflow|software|module|services|team|data)",
        r"repossession (?:agency|company|business|services?)",
        r"(?:cache|pod) eviction|eviction (?:policy|notices processing)",
        r"debt-to-equity|debt (?:collection|financing|covenants?|facility|ratio|load|refinancing)",
        r"(?:company|firm|business|account|vendor|customer|startup|supplier|competitor|they|it)"
        r"(?:'s| is| was| went| are| were|'re)? (?:\w+ )?(?:now )?(?:in debt|broke|bankrupt)",
    ),
}
