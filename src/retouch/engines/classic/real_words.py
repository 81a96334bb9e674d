"""English words one edit away from a word the parser knows, or made of two known words: what the person
meant, never a typo. Generated from Debian's wamerican and wbritish lists by
tests/unit/corpus/make_real_words.py; do not edit by hand."""

REAL_WORDS = frozenset(
    """
    aback abby abe abed abel abet abler ably abm abound abut ace aced aces acre act ada adding addison adds adj
    adjustable adjustor adjusts ado ads adv adz aery aesthetics afar affect aft age ages aglow ago aground ahem
    aid aide ail aim ais akin ala alb aldo ale ali alight alighting alike aline alit alive allan allison allover
    ally alpo alsop alt alto ama amble amd amok amour amp amply amt amur amuse amway amy ana anaesthetic andaman
    andy anesthetic ani anise ann anon ant anthem antiqued antiques antone anus any aol apace ape aped appeal
    appeals apple appreciated appreciates apt aptly aquae ara arab arc area areas ares arid aright arise ark
    arks arm armed arse artfully artisan artless arts arty ash ashed aside ask asl asp aspects aspic aspics ass
    asset assize assort ate atm atmospheres atone atones atop atp ats atty atv ave aver aversion avery awash awe
    awed awl awry aws axe axed axle aye azt baas babe babel bach backbit backdrops backgrounds backless backs
    backside backspace backspin backstop backstops backstretch backup backus backwash bad bade bag bags bait
    bake baking balanced balances bale balk ball balm ban band bank bans bar barb barbs bard bards bare bares
    barf barfs barge baring bark barker barks barn barns barr barrow bart bash bashed bask bass bast baste bat
    bath bather bats bauer bay bays beaker beam bean bear bears beat becalm beck bed bedder beds bee beef beep
    beeper beer bees beet beg beget begot behalf behave being belief belittle bellow bellows ben bench bender
    bering bern beset beside bess bet betake betaken beth bethe bethink betook bets bevel bevels bff bib bic bid
    biddle bide biden bight bights bike bin bind binge bite bits blackjack blackout blackstone blacktop blank
    blanks blat bless blight blighting blights bling blip block blocks blooding blot blots blow blower blows blt
    blu blued bluefish bluest blurb blurs blurt blurted blush boarder boarders boars boast boasted bode bog boil
    boise bold bolder bone bones bono boo boob booking booklet booklets bookmaking books boom boomed boon boor
    boos booster boosts boot booted booth boots bop borden borderline bore borer borers boring bork borrows bosh
    bot botch bottomless bottoms bout bow bower boy bra brain brainier brainy braise braised bras brawn bray
    bred brig brightens brighton brim brine brings brink briny brit broaden brooder brook brooked brooking broth
    brow browne brownout browns brows brunch brush buck bug bugger bull bully bum bumps bumpy bums bunche bur
    burch burn burp burred burrow burs bus busch bust but butch buy bye byline byproduct byway cab cable cad
    caged cain cake caking cal calder calf cali calk call caller calms calve cam came camp cancan candour cane
    cannot canon cans cant canter canto canvasback canvass cap capt captions car care cars cart carton
    cartoonist cartoons case cash cashed cask castaway caste castoff castor casts cat cather cation cats catt
    caution cave caw cello censer centers centred centres chan chance chang changeable changed changeover
    changes chap charcoals charge charity chat che cheeks cheeps cheer cheery chem chen chewers chi chick chill
    chilli chills chin chink chip choler chomp chopin chops choral chose chou chow cid cider cis clack clacks
    clam clan clank clans clarify clatter cleans cleanup clears cleat cleft clime cline clip clipped clive clod
    clop clot clots cloud clouds clove clown clue clues cnn coal coaled coast cobol cod code codify cody coed
    coil coiled col cola colds cole colic collages collate college colo colon colonize colonized colons
    colorfully colourfully cols colt combined combines combing come comics con concert cone cones conic conner
    contract contrasts convent convertor converts coo cooed cook cooked cooker cooking cooks coolers cooley
    cools coon coop cooped cooper coors coos coot cop cope copier cops copyleft cora corals cord core cornea
    corneas corned cornerstone cornerstones cornet cornets cornier coroner coroners corp corral correctable
    corrector corrects cory cosby cosies cosmic cost cot cots couch cove cover coverall covert cow cower cowered
    cowl coy cozies crab crack cram cramp crane cranks cranky crap crash cray creak creams creamy crimp crimsons
    crisped crispier crisply crisps croaked crocked crookes crooned crops crosier cross croup crow crown crozier
    crt crust cst cub cud cue cues cull cult cum cunt cup cur curt cutback cute cutlet cutlets cutoff cutout
    cuts cutup cyst dab dad dale dam dame dammed damp dan dank danker dankness dare daren dares darkens darn
    darns darren dart darts dash dashed dat dave davy dawn daydream daylight days dead deaf deal deals dean
    dears death deb debar dec decease deceased deceasing decreases decrees deduce deduced deducing deduction dee
    deem deems deepens deer definitions deft degas degree del deleted deletes dell dem den deng denise deplete
    dept depths derail derails desk detain detains dew dewar dials diaz dice dick did diddle die diem dig digger
    dike dill dime dimer dimmers dims din dine dink dinker dint dip dirk dirks dis dish disk dive divider dix
    doa doable doc dodo doe doff dog doll dome don done donn doom doomed door doorstop doorstops doorway dopy
    dork dorks dos dot doth dots doubled doubleday doubles doublet doubly dour douse dove dover dow downbeat
    downcast downgrade downs downsized downsizes downturn downy doz drabs drag drain dram dramatics drank
    draping draw drawings drawling dray dread dreamless dreamlike dreams dreamt dreary drip droop droplet
    droplets dropout drops drown drub dry dual duck due duel dues dug dulled dulles dulls dully duly dump dunk
    duo duse dusky dust ear ears ease east eat eave eben edged edger edgy edict editable edith editor edits eds
    edt eeg eel eels eery effects ego eider eight ell eloping embosses emit end enhanced enhancer enhances
    enlarged enlarger enlarges enter entice entirety eon epa epic epics eras erased eraser erases erato ere erg
    erich erma erna err erse essen est esthetic eta eva evan eve even evergreen evergreens evermore evert every
    eves ewer exit expandable expands expend expos exposes exposures extendable extends extent extras ezra faa
    fable facebook faced faceless facelift facet facets fact facts fad fade fades faeces fag fain fainting
    faints fair fake faked fakes faking fall falter fame famed fan faq faraway farce farces fare fared fares
    fargo farm farmed farmer fart fast fat fate fated fates father fatten fattened fatter fax faxed faxes fay
    faye faze fazed fazes fdr fear feat feb feces fed feds fee feed feeding feeds feelings fees feet feint fell
    felling fellow fellows fells fem fen fender fer fermat fever fey fez fiat fib fiddle fie fig fight fighter
    fighting file filed fill filled filler filly films filmstrip filmy filterable filters fin find fine fink
    finks fir firm firmed fish fit fits fitter five fixable fizzy fla flab flack flacks flag flak flame flan
    flap flapped flats flatt flatted flattens flattered flatters flattery flattop flaw flax flay fleas flew
    flight flint flipper flips flit float flop flopped flow flower flowered flown flue flues flurry flutter fob
    foe fog foil fold folder folly foo food fool fooled fop fora foraged ford fore foregrounds fores forestall
    forests forever forevermore forget forgetfully forgive forgo forgot fork form formal formalise formalize
    formats forrest forsook fort forty foully four fox framed framer frames frank frat fray fred frey fright
    frighten frightened frightening frights fro frog fromm frown fuel fueling fuels full fuller fulls funnier
    fur fuse fuzz gable gad gadding gaged gain gale gall game gary gas gash gashed gather gave gay gayer gear
    ged gee gel geld gelt gem gen gender gent gentile gentled gentler gentles gently geo ger gere getaway gets
    getty getup gibe gide gif gift gig gil gild gilt gin gish giveaway given gives glade glean glob glop glove
    glower glowered glows glue glues gmo gmt goa goad goat goatskin gob god goff gog golda golds golf gone goo
    goodall goodby goodnight goodrich goods goody goof gook gooks goon goop gop gore gored gorey goth gould gout
    gov govt gown grab grace grad graded grader grades gradients grads grady grail grains gram grange granges
    granny grape grate grater grave graver gravy grayed grays graze greats greed greek greeks greenback greene
    greened greenery greer greet greets greg grep greta grew greyed greys grid grim grin groin groundless
    grounds grow grown gte guessable guest guests gull gully gus gust gut haas habit hack had hag hags hah hake
    hal hale halfback halfway hall hallow halo hals halt halved halves ham hams han hand hank hanks hans hare
    hark harken harkened harkening harks harm harmed harp harper hart hash hashed hasp haste hasty hat hate hats
    havel haven haves haw haws hay hays haze hdd heady heal heals hear heave heavyset hebe hedge hedges heel
    heeling heels heft heightens heights heir hell hellos hells hem hen hep hera herb herd hereby herein hereof
    hereto hereupon herewith hero heron hers hes hess hew hewer hex heyday hgt hhs hiatus hick hid hide hie hies
    highjack highlight highlighter highlighting highs highway hijack hike hilly hilt hims hind hinge hint hip
    hips hire hired hiss histograms hit hither hits hiv hive hms hob hoc hod hoe hoes hoff hog hold holden
    holder hole holt home hon hone hones hood hook hooking hooks hoot hop horizons horizontals hos hose host
    hotkey hotshot hours hov hove hover how hrs hst hub hubs hud hued huey hug huge hugh hugs huh hui hull hum
    hume hump hums hun hunch huns hus husk hut huts hwy ian icc ice icky icu ide ids ied ifs ike ill illuminated
    illuminates illuminati imaged imf improved improves ina inasmuch inc incense incompletely incorrect
    increases ind indio indoor inert infix inflatable info ing inge ingot ingrain inhere inherit inherits
    inhibit ink inks inlet inlets inline inn input ins insect inserted inserts inset inside insofar int intake
    intenser intensifier intensifies intone intones intro invent invented inverses inversion inverts invest
    invested ion ios iou ipad ira ire irs ishim isis islet islets ism iso isp iss ito ivf ivs ivy jacks jacky
    jade jaded jake jam jame jan jar jars jay jed jello jess jest jet jets jew jibe jig jigger jilt jilted jim
    jive jock jon jones jot jots joust jove jump justin jut jute juts kale kant kay keck keel keeling keels keen
    keeper keg ken ketch keypunch keys kickback kickoff kicks kicky kid kidd kilt kilter kim kin kinda kindle
    kindred kinds kinematic king kingly kink kinks kirk kit kith kits kline knack knight knockout knocks knot
    know kook kooks labels lace laces lack lacks lad lade laded lager lake lam lame lamp land landscaped
    landscaper landscapes lane lapel larder larges largo lark larks lars las lash lashed lass lassen last lat
    lather lats latte latter lavenders lay lea lean lear leas lease led ledge ledges lee lees leftover lefts
    lefty leg lego legs lei leis len lender lens lent lents leo leos lept les lesa lessee lessens lesser lesson
    lessor lest leta letdown letup levee levees lever levers lew lib libel lice lick lid lie lien life liftoff
    lifts lighted lightens lighters lightly lightning lights lii likeable liked liken liker likes lila lilt
    lilted lily lima limb limed limelight limes limn limo limp limy lin lina lind lined linen liner lines lineup
    link linker links lint lip lire list lit lite littler live livid lix liz lob lobe lobs lock locking locks
    loco locus lode loft lofts log loge logon logos logs lois lome lon lone loner lookout lookup loom loomed
    looming looms loon loons loop looping loops loosing loot looting loots lop lope loping lops lore los lose
    loser loss lost loth lott lotto lotus lou lout louts loveable loved loveless lovemaking lover loves low lowe
    lowed lowers lowery lows lox loyal luke lull lully lump lunch lust lute lyme mabel mable mace maces mach
    macing mack mad madeline madge mads mae maker makes makeshift makeup makings male mall man mane mar mare
    marge marion mark marker marking marks marlon maroons mars mart mas mash mashed masking mast mat mate mated
    mather mating matt matted mattel matter mattered mattes mattie matts maturation maude maximised maximises
    maximized maximizes maxing may maybes maze mclean meade meal meals mean meat med meddle medial medullas meg
    mego meh mel mellow mellower mellows meme men mend mender mere mes mess met mete meted metro meuse mew mice
    mich mick mid middles mig might mike miking mil mild mime min mindfully mindless minds mindy mine mined ming
    mini minimised minimises minimized minimizes mink minks minn minot mints minty minx mire mirrors mist mit
    mite mitt mix mkay mod model modem modes mods moe moho moire mold molder moldier moldy mole mon mona monk
    monochromes monotone monotones mons mont moo mooc moods mooed moog moon moor moore moos moot mop mope moral
    moreover mores morn moro morrow morse mort mosaics mote moth mould move mover movies mow mower mown muck
    muddle mulch mule mull muller munch muse mused mush musk must muter mutes mutt myspace nagy nair nam name
    nan nark narks nary nash nat nave nay neal near ned neg negatived negatives net nets neutralised neutraliser
    neutralises neutralized neutralizer neutralizes nev never new newer next nicety niche nick niece niger
    nigger nigh nigher nighties nights nighty nike nil nile nine nit nite niter nits nix nod node noe noh noised
    noiseless noises nome non none nook nooks noon noose nor normalised normalises normalized normalizes norse
    nos nose nosier nosy notable note nov nowhere nowise null nut nwt oaf oak oaken oar oars oas oat obit oct
    odd ode oder offbeat offline offs offset offside oft often oils oilskin oily oink oinks oise okays oks old
    olden older oliver olives one ones online ono onset onus oort opt ora oral oran orator orb orbit orc order
    orders ore orin orr osier otto ouch ours oust outback outbalance outcast outcrop outdo outdoor outed outgo
    outlet outlets outline outlook outlooks output outs outset outside outsize outstretch outstrip outtake oven
    overalls overbalance overblown overbook overcasts overdo overdrawing overexposes overextend overlap overlays
    overlook overlooking overlooks overly overmuch overnight overpay overplay overs overshadows overshot
    oversize overt overtake overtaken overthink overtone overtones overtook overturn overuse overwrite owl own
    pac pace paces pack paddling pads page paged paid pain paine paining pains paintings paints pal paled
    paleface palefaces paler pales palettes paley pall palm pals pam pan pane pant panting pap par pare park
    parker parks pars parson part pas past pasta pasted pastel pastes pasteur pastie pasts pasty pat pate patio
    paulette paunch paunchier paunchy pave paw pay pbs pbx pcs pct pea peal peale peals pear pearson peas pease
    pecs peel peeling peels peeper peg pele pencils peopled peoples pep peppier per percents peron persona
    personable persons pet pets pew pfc pgp phd philly phobos phonograph photocopy photographer photographs
    photography photon photons php pica picasso pick picker picks pict pictured piddle pie pies pig pigs pike
    piker pile pill pimp pin pincer pinch pine pines ping pings pinked pinky pins pint pinter pinto pints pip
    pips pis piss pit pith pits pius plaint planted platter plea plead pleads pleased pleases pleasurable pleat
    pleats plight plighting plo plop plot plots plow plump plus ply pms pod podding poe pogo poi point pointing
    poise pol pole poll pols pomp pone pones pool pooled poop pope popover popper poppies pops pore port
    portraits possibles possibly posy pot pots pouch pour pout pow power powered pox praise praised prank pray
    prayer preen preens preserved preserver preserves prey prim print printing produce products prom prop prut
    pst pub pudding pug pullback puller pullout pullover pulls pulp puma pumps pun punchline punk punker punks
    punt pup purl purplest pus putin putrid puts putt putty pvc pyle pyx qua ques quiet quine quire quit quito
    quits quote race races rack radio radios radium rae raged raid raided railed rain rained rainier rainy
    raises rake raking rally ram rama rampaged rampart ramps rams ran rand range ranger ranges rank rant rap
    rare rash rasher rasp rat ration ratios rave ray rds read reader reads real reals realty ream rear recd
    redden redis redo redshift redskin reduces reductions reed reeds reel reeling reels ref refocus refs regain
    regally reich reid reilly reis relied reliefs relies rem remain remote removals removed remover removes rems
    rend renders rends renter rep replaceable replaced replaces reps reserve reside retail retails retains
    retrain retrod retrograde retry rev revel revels revs rex rfd rib rice riches richter rick rico riddle ride
    rider rids rift rig right righter righting rightness rights rim rime rimmed rind ring rink rinks rio rip
    rise rite rod rode rods roil rom rome romp ron rood rook rooked rooking rooks room roomed roost roosted
    rosier rosy rot rotates roth rots rotted rouble round rout rove rover row rower royals royalty rudder rue
    rued rues rump runnier ruse rush rusk rust rut ryan sable sack sad sade saint sake sale sallow salmons salon
    saloon salton salve salver sam same san sand sap sarong sars sash sat saturates save say scala scald scaled
    scales scalp scaly scamp scan scanted scare scars scenes scent scold scone scoping scot scream scrip seal
    seals seam seams seamy sean sear seared sears seas seaside seat seaway sec sect sedge seduce seduced
    seducing seduction see seed seeds seek seeks seen seep seeps seer seers sees sega seize sen sender sent sep
    sept septa sera sere setback seth seton sets setup sever sew sewed sewer sex sgt shade shadow shadowy shaft
    shake shale shall shallot shallows shame shane shank shanks shaped shapeless shapes shard share shari shark
    sharpe sharped sharpener sharpens sharpers sharps shat shaved shaven shaver shaves she shea sheave sheers
    shies shiftless shifts shifty shim shin shirt shit shod shoe shoo shoot shop shops short shots shout shove
    show shrank shriek shrift shrine shrinkable shrinks shrunk shunning shut shy sic sick sics sid sidebars
    sided sidekick sidelight sideline sides sidle sids sift sifter sigh sight sighting silt silted silvers
    silvery sim simmer sin sine singe sink sinker sinks sire sis sit sitars site sits six sizeable sized sizer
    sizes skein skewer ski skid skids skied skier skiers skim skims skinless skins skip skips skis skit skits
    skye skyjack skylight skyline slack slacks slap slash slat slated slave slewed slide slighter slighting
    slightness slights slime slip slipped sliver slop slopping slops slot slots slow slower slowing slue slues
    slug slur slurred sly smalls smell smooch smoothed smoothes smooths smoothy smother smug snag snap snide
    snitch snort snot snow snub snugs soap soars soave sob sobered sod sodomy sofa softener softens softy soil
    sol sold solder sole solver someday someway somewhats somme son soon soot sooth sop soppier sops sore sorest
    sorrow sorta sorter sorts sos sot soto sots soup sour souse sow sower sown sox soy spa spaced spaces spacey
    spacy spade spain spake span spare spars spate specked speckle speckles spewed spice spies spine spinoff
    spins spinx spiny spit splashdown splashy sport spot spun spy squared squarer squares squire sro ssa sst
    stabs stags stairs stake stale stall stamps star stare stares stark starr start starts stats stave stays
    steal steals stem stems step steps stewed sties stile stilt stilted stint stirs stol stole stomp stomps
    stone stones stoop stoops stoplight stopover store storey stork storms story stow stows straightaway
    straightedge straightedges straightens straighter straights stranger strap strengthens strengths strep
    stretchy string stringer stripe strips stript strop strops strung stump stunting sty stye styled styles
    styli suave subjects subset subtlety subtly such sue sues suet suite sully sump sung sunning sunrises
    sunsets sup surrounding suse swab swag swallow swam swamp swan swaps swarm swarmed swash swashed swat swatch
    sway swift swish switchable switchback swop swops tab table tack tads tag tail taint tainting takeoff
    takeout takeover taker takes taking talc tale talk talker talley tally tam tameable tamed tamer tames tami
    tamp tams tan tank tanks tao tap tape tar tare tarim tarry tars tart taste tasty tat tate tax tea teak teaks
    team teams tear tears teas teat teats ted tee teem teems teen tel tell teller tells temperatures ten tender
    tent tern tess test tet tex textbook texts thad thai thais than thanh thankfully thankless thant thar tharp
    thaw thea thee thees theirs theme thereby therefrom therein thereof thereon thereto thereupon therewith
    theses theseus they thickset thigh thine thing thinks thins tho three thunk thunks thus thy tic tick tics
    tide tidier tie tight tighten tightened tighter tightness tike tile tiled till tilled tiller tilts tim time
    tin tina tinder tine tines ting tinged tinges tingle tings tinker tinnier tins tinted tints tiny tip tit
    tithe titled titles tits tittle tko tnt toad toast toasts toby tod today toe toes tog togo toil tojo tokay
    toke token tokes told toll tom tome tomes ton toned toneless toner tong tongs toni tonier tonight tonne
    tonnes tons tonto tony took tool tooled toot topic topics topless tops topside tor torch tore torn tort tot
    tote totes toto tots touchdown touchy tough tour tout tow tower towered town townes toy trade train tram
    tramp transferable transferred transfers transforms tray treat trey trice trick trig trims trio trip trite
    tron try tsars tsp tues tull tun tune tunes turd turf turin turk turnaround turnkey turnoff turnout turnover
    turns turquoises tusk tut tux tweaks twerk twin twine twinge twink twitch two tyke ubs ump underexposes
    unset unto upbeat upc upgrade upi uplift upon upraise upraised ups upset upshot upsides uptake upturn uranus
    urey uris url urn usa usable usb useable used usefully useless user uses usher usn uso uss ute valance vale
    valve vamp van vantage var vars vary vast vat veal veer vender vera verb vern versions verticals vet vets
    vial vibes vic vice vie vignetted vignettes vile vim vine vintages violent vise vouch vow wac wack wad
    wadding wade waded wader wads waft wag waged wags wait waite wake waken waking wale wall waller walsh walt
    wan wand wane wang wank wanton wants war ward warded warder ware warier wariest warmers warms warn warned
    warner warp warped warred wars wart wary washable washer washes washout wasp waste wasted watercolors
    watercolours watermarks wats watt wave wavy wax waxy ways wayside weak weakens weal weals wear wearer weaver
    wed wedder wedge wedges weds wee weeper weer weft weight went wet wets whale what when where whey while
    whiles whim whine whines whit whiten whitens whiter whitest whitewash whitewashed whits wholes wholesome
    whore whose why wick widens widescreens widths wife wig wight wilde wilder wile wilt wilted win wind wine
    wink winks wipe wiper wire wis wise wiser wished wishfully wisp wist wit witch withdrawing within without
    wits witt wive wok won wont woo wood woodier woody wool wore world worm wormed wot woulds wound wove wow
    wright wring writ writer writes writhe writs wrote wry wto wyo xix xor yack yale yam yea year yellowed
    yellowstone yet yew yon yore your yous yup zeal zed zeds zit zits zone zones zoo zooms zoos
    """.split()
)
